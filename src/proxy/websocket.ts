// WebSocket upgrades: the gateway terminates both sides and relays frames, so that it knows when
// the connection closes and can count it as in flight for its whole life (least-connections
// then sees long-lived sockets, not just the handshake).

export function proxyWebSocket(upstreamResponse: Response, onClose: () => void): Response {
  const upstream = upstreamResponse.webSocket as WebSocket;
  const pair = new WebSocketPair();
  const client = pair[0];
  const server = pair[1];
  upstream.accept();
  server.accept();
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    onClose();
  };
  const relay = (from: WebSocket, to: WebSocket) => {
    from.addEventListener("message", (event) => {
      try {
        to.send(event.data);
      } catch {
        finish();
      }
    });
    from.addEventListener("close", (event) => {
      try {
        to.close(event.code === 1005 ? 1000 : event.code, event.reason);
      } catch {
        // the other side is already gone
      }
      finish();
    });
    from.addEventListener("error", () => {
      try {
        to.close(1011, "peer error");
      } catch {
        // already closed
      }
      finish();
    });
  };
  relay(server, upstream);
  relay(upstream, server);
  return new Response(null, { status: 101, webSocket: client, headers: upstreamResponse.headers });
}
