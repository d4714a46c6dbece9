"""Configuration of `restock serve`: every setting can come from restock.toml, a RESTOCK_*
environment variable or a flag (in that order of precedence), and a bad value stops start-up
with a message that names where it came from."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import RESTOCK_BIN

# A value each validated setting refuses.
BAD_VALUES = {
    "listen": "no-port",
    "function_concurrency": "0",
    "io_threads": "65",
    "body_limit_bytes": "12",
    "header_timeout_ms": "5",
    "body_timeout_ms": "abc",
    "max_batch": "0",
    "group_commit_wait_us": "-1",
    "idempotency_retention_hours": "0",
    "access_log": "yes",
}


class ConfigTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="restock-config-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def env(self, **settings):
        env = {k: v for k, v in os.environ.items() if not k.startswith("RESTOCK_")}
        env.update(settings)
        return env

    def serve(self, *args, env=None):
        """Starts `restock serve ARGS`; returns its `listening` line as a dict, or fails."""
        proc = subprocess.Popen([RESTOCK_BIN, "serve", "--listen", "127.0.0.1:0", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env if env is not None else self.env(), cwd=self.tmp)
        try:
            for line in proc.stdout:
                record = json.loads(line)
                if record.get("msg") == "listening":
                    return record
            self.fail(f"no listening line: {proc.stderr.read().decode()}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            proc.stdout.close()
            proc.stderr.close()

    def refused(self, *args, env=None):
        """Runs `restock serve ARGS`, which must stop at once; returns its stderr."""
        proc = subprocess.run([RESTOCK_BIN, "serve", "--data-dir", self.tmp + "/data", *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                              env=env if env is not None else self.env(), cwd=self.tmp)
        self.assertNotEqual(proc.returncode, 0, proc.stdout.decode())
        return proc.stderr.decode()

    def test_every_setting_is_read_from_its_environment_variable(self):
        for key, value in BAD_VALUES.items():
            name = "RESTOCK_" + key.upper()
            with self.subTest(variable=name):
                stderr = self.refused(env=self.env(**{name: value}))
                self.assertIn(name, stderr)

    def test_every_setting_is_read_from_the_config_file(self):
        for key, value in BAD_VALUES.items():
            with self.subTest(key=key):
                path = os.path.join(self.tmp, "restock.toml")
                with open(path, "w") as out:
                    out.write(f'{key} = "{value}"\n')
                stderr = self.refused("--config", path)
                self.assertIn("restock.toml", stderr)
                self.assertIn(key, stderr)

    def test_an_unknown_setting_stops_start_up(self):
        path = os.path.join(self.tmp, "restock.toml")
        with open(path, "w") as out:
            out.write("max_batches = 10\n")
        self.assertIn("unknown setting 'max_batches'", self.refused("--config", path))
        self.assertIn("unknown setting 'max_batches'", self.refused("--max-batches", "10"))

    def test_flags_beat_the_environment_which_beats_the_file(self):
        path = os.path.join(self.tmp, "restock.toml")
        with open(path, "w") as out:
            out.write('data_dir = "from-file"\n')
        self.assertEqual(self.serve("--config", path)["data_dir"], "from-file")
        env = self.env(RESTOCK_DATA_DIR="from-env")
        self.assertEqual(self.serve("--config", path, env=env)["data_dir"], "from-env")
        self.assertEqual(
            self.serve("--config", path, "--data-dir", "from-flag", env=env)["data_dir"],
            "from-flag")


if __name__ == "__main__":
    unittest.main()
