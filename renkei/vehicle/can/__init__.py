"""CAN adapters: real cars' CAN buses below the broker, one mapping file per vehicle model.

Flow: bus (python-can: SocketCAN, virtual, ...) or a recorded log → `FrameDecoder`
(DBC from the `opendbc` package + the model's mapping file) → `client.publish`
into the broker; actuator requests from apps → `vss2dbc` → command frames on the
bus. `CanEmitter` runs the other way (VSS values → a brand's frames) so a
simulated car can speak CAN in tests and demos.

    >>> vehicle_models()
    ['gwm_haval_h6', 'tesla_model3', 'vw_id4']
    await run_can_adapter(client, channel="can0", vehicle="vw_id4", stop=stop)
    stats = await replay_log(client, Path("drive.log"), vehicle="gwm_haval_h6", realtime=False)
"""

from renkei.vehicle.can.adapter import CanAdapter, catalog_of, encode_commands, open_bus, run_can_adapter
from renkei.vehicle.can.dbc import DbcError, load_dbc, opendbc_directory
from renkei.vehicle.can.decoder import CanStats, FrameDecoder
from renkei.vehicle.can.emitter import CanEmitter
from renkei.vehicle.can.mapping import (
    MappingError,
    VehicleMapping,
    load_vehicle_mapping,
    vehicle_models,
)
from renkei.vehicle.can.replay import ReplayError, ReplayStats, replay_log

__all__ = [
    "CanAdapter",
    "CanEmitter",
    "CanStats",
    "DbcError",
    "FrameDecoder",
    "MappingError",
    "ReplayError",
    "ReplayStats",
    "VehicleMapping",
    "catalog_of",
    "encode_commands",
    "load_dbc",
    "load_vehicle_mapping",
    "open_bus",
    "opendbc_directory",
    "replay_log",
    "run_can_adapter",
    "vehicle_models",
]
