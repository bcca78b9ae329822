"""A throwaway local home for development, tests and benchmarks: Mosquitto + Home Assistant.

`LocalMosquitto` runs Debian's `mosquitto` on a free loopback port (restartable, to test
reconnection). `LocalHomeAssistant` runs homeassistant==2024.3.3 from `.venv-homeassistant`
(made by scripts/homeassistant_env.sh) with a small demo home (data/homeassistant_demo.yaml:
lights, plug, garage door, thermostat) and the MQTT integration on that Mosquitto, creates a
user, logs in through the real login flow and mints a long-lived access token.

    python -m renkei.apps.home.devhome        # start both, print the settings to use, Ctrl+C stops

    with LocalMosquitto(tmp) as mqtt, LocalHomeAssistant(tmp, mqtt.port) as ha:
        print(ha.url, ha.token)
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx
from websockets.sync.client import connect

HA_VERSION = "2024.3.3"
REPO = Path(__file__).resolve().parents[3]
HA_USER, HA_PASSWORD = "renkei", "renkei-dev-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ha_venv() -> Path:
    return Path(os.environ.get("RENKEI_HA_VENV") or REPO / ".venv-homeassistant")


def ensure_ha_venv() -> Path:
    """The `hass` program, making the virtual environment first if needed (needs PyPI once)."""
    venv = ha_venv()
    if not (venv / f".renkei-ready-{HA_VERSION}").exists():
        script = REPO / "scripts" / "homeassistant_env.sh"
        if not script.exists():
            raise RuntimeError(f"no Home Assistant venv at {venv} and no {script} to make one")
        subprocess.run(["bash", str(script)], check=True, timeout=1800, env={**os.environ, "HA_VENV": str(venv)})
    return venv / "bin" / "hass"


class LocalMosquitto:
    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.conf = workdir / f"mosquitto-{self.port}.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(binary).exists():
            raise RuntimeError("mosquitto is not installed (Debian: apt-get install mosquitto)")
        self.proc = subprocess.Popen([binary, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"mosquitto exited: {err.strip()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"mosquitto did not listen on port {self.port} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def __enter__(self) -> LocalMosquitto:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LocalHomeAssistant:
    def __init__(self, workdir: Path, mqtt_port: int, *, port: int | None = None) -> None:
        self.config = workdir / "homeassistant"
        self.port = port or free_port()
        self.mqtt_port = mqtt_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.config / "hass.out"

    def _write_config(self) -> None:
        self.config.mkdir(parents=True, exist_ok=True)
        demo = resources.files("renkei.apps.home").joinpath("data/homeassistant_demo.yaml").read_text(encoding="utf-8")
        (self.config / "configuration.yaml").write_text(demo.replace("@PORT@", str(self.port)))
        # The MQTT broker is configured by a config entry (Home Assistant removed YAML broker settings).
        entry = {"entry_id": "renkeimqtt" + "0" * 22, "version": 1, "minor_version": 1, "domain": "mqtt",
                 "title": "Mosquitto", "data": {"broker": "127.0.0.1", "port": self.mqtt_port, "discovery": True},
                 "options": {}, "pref_disable_new_entities": False, "pref_disable_polling": False,
                 "source": "user", "unique_id": None, "disabled_by": None}  # fmt: skip
        storage = self.config / ".storage"
        storage.mkdir(exist_ok=True)
        (storage / "core.config_entries").write_text(
            json.dumps({"version": 1, "minor_version": 2, "key": "core.config_entries", "data": {"entries": [entry]}})
        )

    def start(self, timeout: float = 240.0) -> None:
        """Write the demo configuration, add the user, run Home Assistant and mint a token."""
        hass = ensure_ha_venv()
        self._write_config()
        subprocess.run(
            [str(hass), "--script", "auth", "-c", str(self.config), "add", HA_USER, HA_PASSWORD],
            check=True,
            timeout=120,
            capture_output=True,
        )
        self.launch(timeout)
        self.token = self._login()

    def launch(self, timeout: float = 240.0) -> None:
        """Run Home Assistant on the existing configuration (also to restart it after `stop()`)."""
        hass = ensure_ha_venv()
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(hass), "-c", str(self.config), "--skip-pip"], stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Home Assistant exited with {self.proc.returncode}; see {self.log_path}")
            try:
                urllib.request.urlopen(self.url + "/api/", timeout=2)
            except urllib.error.HTTPError as err:
                if err.code == 401:  # up, and asking for a token
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Home Assistant did not answer within {timeout:.0f} s; see {self.log_path}")
            time.sleep(0.5)

    def _login(self) -> str:
        """The real login flow, then a long-lived access token over the WebSocket API."""
        client_id = self.url + "/"
        with httpx.Client(base_url=self.url, timeout=15) as http:
            flow = http.post(
                "/auth/login_flow",
                json={"client_id": client_id, "handler": ["homeassistant", None], "redirect_uri": client_id},
            ).json()
            done = http.post(
                f"/auth/login_flow/{flow['flow_id']}",
                json={"client_id": client_id, "username": HA_USER, "password": HA_PASSWORD},
            ).json()
            tokens = http.post(
                "/auth/token",
                data={"grant_type": "authorization_code", "code": done["result"], "client_id": client_id},
            ).json()
        self.token = str(tokens["access_token"])
        result = self.ws({"type": "auth/long_lived_access_token", "client_name": "renkei", "lifespan": 30})
        return str(result[0])

    def rest(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=15)

    def ws(self, *messages: dict[str, Any]) -> list[Any]:
        """Send WebSocket commands (ids are added) and return their results in order."""
        out: list[Any] = []
        with connect(self.url.replace("http", "ws", 1) + "/api/websocket") as ws:
            ws.recv()
            ws.send(json.dumps({"type": "auth", "access_token": self.token}))
            if json.loads(ws.recv()).get("type") != "auth_ok":
                raise RuntimeError("Home Assistant refused the token")
            for ident, message in enumerate(messages, 1):
                ws.send(json.dumps({**message, "id": ident}))
                while True:
                    reply = json.loads(ws.recv())
                    if reply.get("id") == ident and reply.get("type") == "result":
                        if not reply.get("success"):
                            raise RuntimeError(f"Home Assistant refused {message['type']}: {reply.get('error')}")
                        out.append(reply.get("result"))
                        break
        return out

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LocalHomeAssistant:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def main() -> None:
    import tempfile

    with (
        tempfile.TemporaryDirectory(prefix="renkei-devhome-") as tmp,
        LocalMosquitto(Path(tmp)) as mqtt,
        LocalHomeAssistant(Path(tmp), mqtt.port) as ha,
    ):
        print(f"Mosquitto:      127.0.0.1:{mqtt.port}")
        print(f"Home Assistant: {ha.url} (user {HA_USER} / {HA_PASSWORD})")
        print("Settings for the home app:")
        print(f"  HomeSettings(backend='homeassistant', homeassistant=HomeAssistantSettings(url={ha.url!r},")
        print(f"               token={ha.token!r}), mqtt=MqttSettings(enabled=True, port={mqtt.port}))")
        print("Ctrl+C stops both.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
