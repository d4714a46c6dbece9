"""A throwaway PostgreSQL 15 cluster for the tests and benchmarks.

``PgCluster().start()`` runs Debian's initdb in a fresh temporary directory, starts the server
on a free loopback port (fsync and synchronous_commit on, as in production) and ``stop()``
removes it all again. initdb and the server refuse to run as root, so as root they run as the
``postgres`` user (runuser); otherwise as the calling user. The superuser ``postgres`` has a
random password and logs in over TCP with SCRAM, so tests use real password logins.

As a command, for tests written in other languages (the GoogleTest ``*_pgtest`` binaries):

    python3 pg_cluster.py hold      # prints the superuser URL, keeps the cluster until stdin
                                    # closes (its parent exits), then removes it

Python 3 standard library only.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

PG_BIN = os.environ.get("RESTOCK_PG_BIN", "/usr/lib/postgresql/15/bin")
START_TIMEOUT_S = 60


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available():
    """Whether the PostgreSQL 15 server binaries are installed."""
    return os.path.exists(os.path.join(PG_BIN, "initdb"))


class PgCluster:
    """One PostgreSQL cluster in a temporary directory."""

    def __init__(self, settings=None):
        self.settings = dict(settings or {})
        self.base = None
        self.port = None
        self.password = secrets.token_hex(16)
        self._as_postgres = os.geteuid() == 0

    # -- processes -------------------------------------------------------------------------

    def _run(self, *args, check=True, timeout=START_TIMEOUT_S):
        command = list(args)
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--"] + command
        proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stdout}"
                               f"\nserver log: {self.log_tail()}")
        return proc

    def _own(self, path):
        if self._as_postgres:
            shutil.chown(path, "postgres", "postgres")

    @property
    def data_dir(self):
        return os.path.join(self.base, "data")

    @property
    def run_dir(self):
        return os.path.join(self.base, "run")

    @property
    def log_file(self):
        return os.path.join(self.run_dir, "postgres.log")

    def log_tail(self, lines=30):
        try:
            with open(self.log_file, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def start(self):
        """initdb and start; returns self."""
        self.base = tempfile.mkdtemp(prefix="restock-pg-")
        os.chmod(self.base, 0o755)
        for path in (self.data_dir, self.run_dir):
            os.mkdir(path, 0o700)
            self._own(path)
        password_file = os.path.join(self.run_dir, "password")
        with open(password_file, "w") as f:
            f.write(self.password + "\n")
        self._own(password_file)
        self._run(os.path.join(PG_BIN, "initdb"), "-D", self.data_dir, "-U", "postgres",
                  "--auth-local=trust", "--auth-host=scram-sha-256",
                  "--pwfile=" + password_file, "--no-sync", "-E", "UTF8", "--locale=C")
        os.remove(password_file)
        self.port = _free_port()
        self._start_server()
        return self

    def _start_server(self):
        options = {
            "port": str(self.port),
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": self.run_dir,
            "fsync": "on",
            "synchronous_commit": "on",
            "max_connections": "300",
            "shared_buffers": "128MB",
        }
        options.update(self.settings)
        flags = " ".join(f"-c {k}={v}" for k, v in options.items())
        self._run(os.path.join(PG_BIN, "pg_ctl"), "-D", self.data_dir, "-l", self.log_file,
                  "-w", "-t", str(START_TIMEOUT_S), "-o", flags, "start")

    def postmaster_pid(self):
        try:
            with open(os.path.join(self.data_dir, "postmaster.pid")) as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return None

    def kill(self):
        """kill -9 of the postmaster and every server process: a crash, as a power cut or the
        OOM killer would leave it. restart() recovers from the WAL."""
        pid = self.postmaster_pid()
        if pid is None:
            return
        children = subprocess.run(["pgrep", "-P", str(pid)], stdout=subprocess.PIPE,
                                  text=True).stdout.split()
        for victim in [pid] + [int(c) for c in children]:
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alive = [p for p in [pid] + [int(c) for c in children] if _alive(p)]
            if not alive:
                break
            time.sleep(0.05)

    def restart(self):
        """Starts the server again on the same port (after kill() or stop())."""
        self._start_server()

    def stop(self):
        """Stops the server and removes the directory."""
        if self.base is None:
            return
        if self.postmaster_pid() is not None:
            self._run(os.path.join(PG_BIN, "pg_ctl"), "-D", self.data_dir, "-m", "immediate",
                      "-w", "stop", check=False)
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None

    # -- databases and URLs ------------------------------------------------------------------

    def url(self, database="postgres", user="postgres", password=None):
        password = self.password if password is None else password
        auth = urllib.parse.quote(user, safe="")
        if password:
            auth += ":" + urllib.parse.quote(password, safe="")
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql, database="postgres"):
        """Runs SQL as the superuser; returns psql's unaligned, tuples-only output."""
        env = dict(os.environ, PGPASSWORD=self.password)
        proc = subprocess.run(
            ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
             str(self.port), "-U", "postgres", "-d", database, "-c", sql],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
        if proc.returncode != 0:
            raise RuntimeError(f"psql {sql!r}: {proc.stderr}")
        return proc.stdout.strip()

    def create_database(self, prefix="restock"):
        """A fresh, empty database; returns its name."""
        name = f"{prefix}_{secrets.token_hex(6)}"
        self.psql(f'CREATE DATABASE "{name}"')
        return name


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _hold():
    cluster = PgCluster().start()
    try:
        print(cluster.url(), flush=True)
        sys.stdin.read()  # until the parent closes our stdin or exits
    finally:
        cluster.stop()


if __name__ == "__main__":
    if sys.argv[1:] == ["hold"]:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        _hold()
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
