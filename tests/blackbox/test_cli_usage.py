"""The command line itself (issue 16, item 15): `--help` and `-h` on every command and
subcommand (usage on stdout, exit 0, nothing started or created), unknown options refused with
one clear line, and no command creating a data dir it was not given (docs/operations.md, "Data
dirs"). No store is needed beyond SQLite data dirs: SQLite only."""

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import unittest

from harness import CLI_TIMEOUT_S, RESTOCK_BIN, START_TIMEOUT_S, free_port

# Every command and subcommand, and how its usage starts.
HELP = [
    ([], "usage: restock COMMAND"),
    (["serve"], "usage: restock serve"),
    (["demo"], "usage: restock demo"),
    (["keys"], "usage: restock keys"),
    (["keys", "create"], "usage: restock keys"),
    (["keys", "list"], "usage: restock keys"),
    (["keys", "revoke"], "usage: restock keys"),
    (["queues"], "usage: restock queues"),
    (["queues", "list"], "usage: restock queues"),
    (["queues", "peek"], "usage: restock queues"),
    (["queues", "redrive"], "usage: restock queues"),
    (["queues", "purge"], "usage: restock queues"),
    (["queues", "delete"], "usage: restock queues"),
    (["orders"], "usage: restock orders"),
    (["orders", "list"], "usage: restock orders"),
    (["orders", "show"], "usage: restock orders"),
    (["orders", "cancel"], "usage: restock orders"),
    (["factory-sim"], "usage: restock factory-sim"),
    (["version"], "usage: restock version"),
]


class CliTestCase(unittest.TestCase):
    """Runs restock in a fresh, empty working directory, with no RESTOCK_* settings."""

    def setUp(self):
        self.cwd = tempfile.mkdtemp(prefix="restock-cli-")
        self.addCleanup(shutil.rmtree, self.cwd, True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("RESTOCK_")}

    def run_restock(self, *args, env=None):
        return subprocess.run([RESTOCK_BIN, *args], cwd=self.cwd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=CLI_TIMEOUT_S,
                              env={**self.env, **(env or {})})

    def assertNothingCreated(self):
        self.assertEqual(os.listdir(self.cwd), [], "the command created something in its cwd")

    def assertOneLineError(self, proc, code, *texts):
        self.assertEqual(proc.returncode, code, proc)
        self.assertEqual(proc.stdout, "", proc)
        lines = proc.stderr.splitlines()
        self.assertGreaterEqual(len(lines), 1, proc)
        for text in texts:
            self.assertIn(text, lines[0], proc)
        return lines


class HelpTests(CliTestCase):

    def test_help_and_h_on_every_command(self):
        for command, start in HELP:
            for flag in ("--help", "-h"):
                with self.subTest(command=command, flag=flag):
                    proc = self.run_restock(*command, flag)
                    self.assertEqual(proc.returncode, 0, proc)
                    self.assertTrue(proc.stdout.startswith(start), proc.stdout[:200])
                    self.assertEqual(proc.stderr, "")
        self.assertNothingCreated()

    def test_help_stands_wherever_an_option_may(self):
        for args, start in [
                (["serve", "--listen", "127.0.0.1:0", "--help"], "usage: restock serve"),
                (["demo", "--no-access-log", "-h"], "usage: restock demo"),
                (["keys", "create", "--role", "admin", "--help"], "usage: restock keys"),
                (["queues", "peek", "stock-empty-dlq", "--help"], "usage: restock queues"),
                (["orders", "list", "--limit", "5", "-h"], "usage: restock orders"),
                (["help", "keys"], "usage: restock keys"),
                (["help", "serve"], "usage: restock serve"),
                (["help"], "usage: restock COMMAND")]:
            with self.subTest(args=args):
                proc = self.run_restock(*args)
                self.assertEqual(proc.returncode, 0, proc)
                self.assertTrue(proc.stdout.startswith(start), proc.stdout[:200])
        # serve --help started no server and made no data dir.
        self.assertNothingCreated()

    def test_the_usage_names_every_action(self):
        queues = self.run_restock("queues", "--help").stdout
        for action in ("list", "peek NAME", "redrive NAME", "redrive NAME ID", "purge NAME",
                       "delete NAME ID"):
            self.assertIn(action, queues)
        keys = self.run_restock("keys", "--help").stdout
        for action in ("create --role", "list [--name NAME]", "revoke NAME"):
            self.assertIn(action, keys)
        top = self.run_restock("--help").stdout
        for command in ("serve", "demo", "keys", "queues", "orders", "factory-sim", "version"):
            self.assertIn(f"\n  {command} ", top)

    def test_an_option_value_that_reads_like_help_is_a_value(self):
        # --name -h names a key "-h" (a valid name): not a request for help.
        proc = self.run_restock("keys", "create", "--data-dir", "d", "--role", "admin",
                                "--name", "-h")
        self.assertEqual(proc.returncode, 0, proc)
        self.assertTrue(proc.stdout.startswith("rk_"), proc)
        listed = self.run_restock("keys", "list", "--data-dir", "d", "--name", "-h")
        self.assertEqual([line.split("\t")[:2] for line in listed.stdout.splitlines()],
                         [["name", "role"], ["-h", "admin"]])

    def test_bad_input_is_refused_before_anything_is_created(self):
        for args in (["--role", "admin", "--name", "bad name!"], ["--role", "boss", "--name", "x"]):
            proc = self.run_restock("keys", "create", "--data-dir", "d", *args)
            self.assertNotEqual(proc.returncode, 0, proc)
            self.assertEqual(proc.stdout, "")
        self.assertNothingCreated()


class UnknownOptionTests(CliTestCase):

    def test_an_unknown_option_is_one_clear_line_and_exit_2(self):
        for command in (["serve"], ["demo"], ["keys", "create"], ["keys", "list"],
                        ["keys", "revoke"], ["queues", "list"], ["queues", "peek"],
                        ["orders", "list"], ["orders", "show"]):
            with self.subTest(command=command):
                proc = self.run_restock(*command, "--frobnicate", "1")
                lines = self.assertOneLineError(proc, 2, "frobnicate")
                self.assertLessEqual(len(lines), 2, proc.stderr)  # no page of usage
                self.assertIn("--help", proc.stderr)
        proc = self.run_restock("factory-sim", "--frobnicate", "1")
        self.assertEqual(proc.returncode, 2, proc)
        self.assertIn("--frobnicate", proc.stderr.splitlines()[0])
        self.assertOneLineError(self.run_restock("frobnicate"), 2, "unknown command 'frobnicate'")
        self.assertOneLineError(self.run_restock("version", "extra"), 2, "unexpected argument")
        self.assertOneLineError(self.run_restock("keys", "list", "--role", "admin"), 2,
                                "list takes no --role")
        self.assertOneLineError(self.run_restock("keys", "frobnicate"), 2,
                                "unknown action 'frobnicate'")
        self.assertNothingCreated()


class DataDirTests(CliTestCase):
    """No command makes a data dir it was not given; keys list and revoke make none at all."""

    def assertRefusedWithoutCreating(self, proc, *texts):
        self.assertOneLineError(proc, 1, *texts)
        self.assertEqual(len(proc.stderr.splitlines()), 1, proc.stderr)
        self.assertNothingCreated()

    def test_keys_on_the_default_data_dir_that_does_not_exist(self):
        self.assertRefusedWithoutCreating(self.run_restock("keys", "list"), "./data",
                                          "--data-dir")
        self.assertRefusedWithoutCreating(self.run_restock("keys", "revoke", "ops"), "./data")
        self.assertRefusedWithoutCreating(
            self.run_restock("keys", "create", "--role", "admin", "--name", "ops"), "./data",
            "--data-dir")
        self.assertRefusedWithoutCreating(self.run_restock("keys", "list", "--name", "ops"),
                                          "./data")

    def test_keys_list_and_revoke_on_a_given_dir_without_a_store(self):
        self.assertRefusedWithoutCreating(
            self.run_restock("keys", "list", "--data-dir", "given"), "no data dir given")
        self.assertRefusedWithoutCreating(
            self.run_restock("keys", "revoke", "ops", "--data-dir", "given"), "no data dir given")
        self.assertRefusedWithoutCreating(
            self.run_restock("keys", "list", env={"RESTOCK_DATA_DIR": "from-env"}),
            "no data dir from-env")
        # A dir that exists but holds no store: no restock.db is made in it.
        os.mkdir(os.path.join(self.cwd, "empty"))
        proc = self.run_restock("keys", "list", "--data-dir", "empty")
        self.assertOneLineError(proc, 1, "no store in empty")
        self.assertEqual(os.listdir(os.path.join(self.cwd, "empty")), [])

    def test_keys_create_makes_a_dir_it_is_given_and_says_so(self):
        proc = self.run_restock("keys", "create", "--data-dir", "given/deeper", "--role", "admin",
                                "--name", "ops")
        self.assertEqual(proc.returncode, 0, proc)
        self.assertIn("created data dir given/deeper", proc.stderr)
        self.assertTrue(proc.stdout.strip().startswith("rk_"))
        self.assertTrue(os.path.isfile(os.path.join(self.cwd, "given/deeper/restock.db")))
        # Once it exists, nothing is said about it.
        proc = self.run_restock("keys", "create", "--data-dir", "given/deeper", "--role",
                                "storefront", "--name", "shop")
        self.assertEqual(proc.returncode, 0, proc)
        self.assertNotIn("created data dir", proc.stderr)
        listed = self.run_restock("keys", "list", "--data-dir", "given/deeper")
        self.assertEqual(listed.returncode, 0, listed)
        self.assertEqual([line.split("\t")[0] for line in listed.stdout.splitlines()],
                         ["name", "ops", "shop"])
        proc = self.run_restock("keys", "create", "--role", "admin", "--name", "env",
                                env={"RESTOCK_DATA_DIR": "from-env"})
        self.assertEqual(proc.returncode, 0, proc)
        self.assertIn("created data dir from-env", proc.stderr)
        # The default ./data once it exists (made by hand, or by serve).
        os.mkdir(os.path.join(self.cwd, "data"))
        proc = self.run_restock("keys", "create", "--role", "admin", "--name", "default")
        self.assertEqual(proc.returncode, 0, proc)
        self.assertTrue(os.path.isfile(os.path.join(self.cwd, "data/restock.db")))

    def test_admin_commands_make_no_data_dir(self):
        port = free_port()  # nothing listens there
        for args in (["queues", "list"], ["orders", "list"], ["queues", "purge", "q"]):
            proc = self.run_restock(*args, "--url", f"http://127.0.0.1:{port}", "--key", "k")
            self.assertEqual(proc.returncode, 1, proc)
        self.run_restock("version")
        self.assertNothingCreated()

    def serve_until_listening(self, *args):
        """Starts `restock serve ARGS` in the cwd; returns its stdout lines up to the listening
        line, then stops it."""
        proc = subprocess.Popen([RESTOCK_BIN, "serve", "--listen", "127.0.0.1:0",
                                 "--no-access-log", *args], cwd=self.cwd, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout],
                         daemon=True).start()
        seen = []
        while True:
            line = lines.get(timeout=START_TIMEOUT_S)
            seen.append(json.loads(line))
            if seen[-1].get("msg") == "listening":
                break
        proc.terminate()
        self.assertEqual(proc.wait(timeout=20), 0)
        proc.stdout.close()
        proc.stderr.close()
        return seen

    def test_serve_creates_the_default_dir_and_says_so(self):
        first = self.serve_until_listening()
        created = [r for r in first if r.get("msg") == "created data dir"]
        self.assertEqual(created, [{"level": "info", "msg": "created data dir",
                                    "data_dir": "./data"}])
        self.assertTrue(os.path.isfile(os.path.join(self.cwd, "data/restock.db")))
        # The second time it is there: no such line.
        again = self.serve_until_listening()
        self.assertEqual([r for r in again if r.get("msg") == "created data dir"], [])
        given = self.serve_until_listening("--data-dir", "given")
        self.assertIn({"level": "info", "msg": "created data dir", "data_dir": "given"}, given)


if __name__ == "__main__":
    unittest.main()
