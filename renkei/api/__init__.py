"""Network faces of the broker: how phones, apps on other ECUs and tools reach it.

Each face turns a wire protocol into calls on the one `Broker`, with the caller's
`Principal` from the bearer token (`Authenticator`), and maps `BrokerError` codes
to the protocol's own. None of them keeps state the broker does not have.

* `renkei.api.grpc` — kuksa.val.v2, kuksa.val.v1 and sdv.databroker.v1 on one port
  (`serve_grpc(broker, auth, settings.grpc)`), for KUKSA and Velocitas clients.
* `renkei.api.http` — HTTP + WebSocket for the web cockpit and companion apps.

    server = await serve_grpc(broker, auth, settings.grpc)   # renkei run does this
"""
