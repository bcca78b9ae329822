"""renkei (連携): an open software platform for smart electric vehicles.

Every capability reads and changes the car through one vehicle data broker
addressed by COVESA VSS paths. The layers, bottom up:

    renkei.vss      the signal catalog (paths, types, units, limits)
    renkei.broker   the in-process broker (datapoints, subscriptions, providers, access)
    renkei.client   one client interface for apps, in-process or over gRPC
    renkei.api      network faces of the broker (gRPC, HTTP/WebSocket)
    renkei.vehicle  adapters that own the car's sensors and actuators
    renkei.apps     one folder per capability
    renkei.cli      the `renkei` command
"""

__version__ = "0.1.0"
