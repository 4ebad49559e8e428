//! The service on a real socket: served by the server that ships, `duty_search::server::serve`,
//! on a loopback port the system picks.

use std::net::SocketAddr;

use duty_search::server::AppState;
use tokio::net::TcpListener;

/// A listener on a loopback port the system picks.
pub async fn listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port")
}

/// Serves the service of `state` on a fresh loopback port until the test's runtime ends, and
/// returns its address.
pub async fn serve(state: AppState) -> SocketAddr {
    let listener = listener().await;
    let address = listener.local_addr().expect("a bound address");
    tokio::spawn(duty_search::server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    address
}
