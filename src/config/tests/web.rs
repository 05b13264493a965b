//! `web:`: the dashboard's address, proxies and header.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::*;

#[test]
fn the_dashboard_listens_on_this_machine_by_default() {
    let c = load_text(FUNDS).expect("config");
    assert_eq!(
        c.web.listen,
        Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 8090)))
    );
    assert!(c.web.trusted_proxies.is_empty());
    assert_eq!(c.web.user_header, "X-Remote-User");
    let off = load_text(&format!("web: {{listen: \"\"}}\n{FUNDS}")).expect("config");
    assert_eq!(off.web.listen, None);
    let behind = load_text(&format!(
        "web: {{listen: \"0.0.0.0:80\", trusted_proxies: [10.1.2.3, \"::1\"], user_header: X-User}}\n{FUNDS}"
    ))
    .expect("config");
    assert_eq!(
        behind.web.listen,
        Some(SocketAddr::from(([0, 0, 0, 0], 80)))
    );
    assert_eq!(
        behind.web.trusted_proxies,
        vec![
            IpAddr::from([10, 1, 2, 3]),
            "::1".parse::<IpAddr>().expect("ip")
        ]
    );
    assert_eq!(behind.web.user_header, "X-User");
}

#[test]
fn web_settings_are_refused_with_what_to_write() {
    assert_problem(
        &format!("web: {{listen: \"localhost:8090\"}}\n{FUNDS}"),
        "web.listen",
        "not an IP address with a port",
    );
    assert_problem(
        &format!("web: {{listen: \"127.0.0.1\"}}\n{FUNDS}"),
        "web.listen",
        "127.0.0.1:8090",
    );
    assert_problem(
        &format!("web: {{listen: \"127.0.0.1:0\"}}\n{FUNDS}"),
        "web.listen",
        "port 0",
    );
    assert_problem(
        &format!("web: {{trusted_proxies: []}}\n{FUNDS}"),
        "web.trusted_proxies",
        "is empty",
    );
    assert_problem(
        &format!("web: {{trusted_proxies: [proxy.example.gov.cn]}}\n{FUNDS}"),
        "web.trusted_proxies[0]",
        "not an IP address",
    );
    assert_problem(
        &format!("web: {{user_header: \"X User\"}}\n{FUNDS}"),
        "web.user_header",
        "not an HTTP header name",
    );
    assert_problem(&format!("web: {{port: 80}}\n{FUNDS}"), "web.port", "");
}
