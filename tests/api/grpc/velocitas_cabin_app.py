"""A Velocitas vehicle app, written the Velocitas way, that the Velocitas test runs.

It runs from its own venv (velocitas-sdk 0.15.7, grpcio 1.64.1, protobuf 5.29.5),
reaches the broker through SDV_VEHICLEDATABROKER_ADDRESS (sdv.databroker.v1) and
MQTT through SDV_MQTT_ADDRESS, like any Velocitas app. Behaviour: when the car
goes faster than 100 km/h it reads the driver's fan speed and, if below 80,
sets it to 80 — subscribe, react, actuate.

    SDV_VEHICLEDATABROKER_ADDRESS=grpc://127.0.0.1:55555 .venv-velocitas/bin/python velocitas_cabin_app.py
"""

import asyncio
import logging
import signal

from velocitas_sdk.model import DataPointFloat, DataPointUint8, Model
from velocitas_sdk.vdb.reply import DataPointReply
from velocitas_sdk.vehicle_app import VehicleApp

logging.basicConfig(level=logging.INFO, format="velocitas-app %(levelname)s %(message)s")
log = logging.getLogger("cabin-app")


# A hand-written slice of the Velocitas vehicle model (the generated one has the same shape).
class Driver(Model):
    def __init__(self, parent: Model) -> None:
        super().__init__(parent)
        self.name = "Driver"
        self.FanSpeed = DataPointUint8("FanSpeed", self)


class Row1(Model):
    def __init__(self, parent: Model) -> None:
        super().__init__(parent)
        self.name = "Row1"
        self.Driver = Driver(self)


class Station(Model):
    def __init__(self, parent: Model) -> None:
        super().__init__(parent)
        self.name = "Station"
        self.Row1 = Row1(self)


class HVAC(Model):
    def __init__(self, parent: Model) -> None:
        super().__init__(parent)
        self.name = "HVAC"
        self.Station = Station(self)


class Cabin(Model):
    def __init__(self, parent: Model) -> None:
        super().__init__(parent)
        self.name = "Cabin"
        self.HVAC = HVAC(self)


class Vehicle(Model):
    def __init__(self) -> None:
        super().__init__()
        self.name = "Vehicle"
        self.Speed = DataPointFloat("Speed", self)
        self.Cabin = Cabin(self)


class CabinComfortApp(VehicleApp):
    def __init__(self, vehicle: Vehicle) -> None:
        super().__init__()
        self.Vehicle = vehicle

    async def on_start(self) -> None:
        await self.Vehicle.Speed.where("Vehicle.Speed > 100").subscribe(self.on_fast)
        print("SUBSCRIBED", flush=True)

    async def on_fast(self, data: DataPointReply) -> None:
        speed = data.get(self.Vehicle.Speed).value
        fan = self.Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed
        current = (await fan.get()).value
        log.info("speed %.1f km/h, fan %s", speed, current)
        if current < 80:
            await fan.set(80)
            print(f"ACTUATED fan=80 at speed={speed}", flush=True)


async def main() -> None:
    app = CabinComfortApp(Vehicle())
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    task = asyncio.create_task(app.run())
    await stop.wait()
    task.cancel()


if __name__ == "__main__":
    asyncio.run(main())
