import Testing
@testable import StatushookCore

@Suite("TrustedProxy: which peers may set X-Forwarded-*")
struct TrustedProxyTests {
    @Test("a single IPv4 address trusts only itself")
    func singleIPv4() throws {
        let proxies = try TrustedProxies(parsing: ["127.0.0.1"])
        #expect(proxies.contains("127.0.0.1"))
        #expect(!proxies.contains("127.0.0.2"))
        #expect(!proxies.contains("::1"))
    }

    @Test("IPv4 CIDR blocks: /8, /12, /32, /0")
    func ipv4Blocks() throws {
        let proxies = try TrustedProxies(parsing: ["10.0.0.0/8", "172.16.0.0/12", "192.168.1.7/32"])
        #expect(proxies.contains("10.0.0.1"))
        #expect(proxies.contains("10.255.255.255"))
        #expect(!proxies.contains("11.0.0.0"))
        #expect(proxies.contains("172.16.0.1"))
        #expect(proxies.contains("172.31.255.255"))
        #expect(!proxies.contains("172.32.0.0"))
        #expect(!proxies.contains("172.15.255.255"))
        #expect(proxies.contains("192.168.1.7"))
        #expect(!proxies.contains("192.168.1.8"))
        let everyone = try TrustedProxies(parsing: ["0.0.0.0/0"])
        #expect(everyone.contains("203.0.113.9"))
        #expect(!everyone.contains("2001:db8::1"))
    }

    @Test("a prefix that is not a multiple of 8 splits a byte")
    func oddPrefix() throws {
        let proxies = try TrustedProxies(parsing: ["192.168.0.64/26"])
        #expect(!proxies.contains("192.168.0.63"))
        #expect(proxies.contains("192.168.0.64"))
        #expect(proxies.contains("192.168.0.127"))
        #expect(!proxies.contains("192.168.0.128"))
    }

    @Test("host bits in a block are ignored, as most tools read them")
    func hostBits() throws {
        let proxies = try TrustedProxies(parsing: ["10.1.2.3/8"])
        #expect(proxies.contains("10.200.0.1"))
    }

    @Test("IPv6 addresses and blocks: ::1, fd00::/8, 2001:db8::/32, full form")
    func ipv6() throws {
        let proxies = try TrustedProxies(parsing: ["::1", "fd00::/8", "2001:db8::/32", "fe80:0:0:0:0:0:0:1"])
        #expect(proxies.contains("::1"))
        #expect(proxies.contains("0:0:0:0:0:0:0:1"))
        #expect(!proxies.contains("::2"))
        #expect(proxies.contains("fd12:3456::1"))
        #expect(proxies.contains("FD00::ABCD"))
        #expect(!proxies.contains("fe00::1"))
        #expect(proxies.contains("2001:db8:ffff::1"))
        #expect(!proxies.contains("2001:db9::1"))
        #expect(proxies.contains("fe80::1"))
        #expect(!proxies.contains("127.0.0.1"))
    }

    @Test("an IPv4-mapped IPv6 peer matches its IPv4 address; a zone is ignored")
    func mappedAndZone() throws {
        let proxies = try TrustedProxies(parsing: ["10.0.0.0/8", "fe80::/10"])
        #expect(proxies.contains("::ffff:10.1.2.3"))
        #expect(proxies.contains("::FFFF:10.1.2.3"))
        #expect(!proxies.contains("::ffff:11.1.2.3"))
        #expect(proxies.contains("fe80::1%eth0"))
    }

    @Test("an IPv4-mapped block matches IPv4-mapped peers")
    func mappedBlock() throws {
        let proxies = try TrustedProxies(parsing: ["::ffff:10.0.0.0/104"])
        #expect(proxies.contains("::ffff:10.9.9.9"))
    }

    @Test("no entries trusts nobody; neither do garbage peers")
    func nobody() throws {
        let proxies = try TrustedProxies(parsing: [])
        #expect(!proxies.contains("127.0.0.1"))
        #expect(!TrustedProxies.none.contains("::1"))
        let some = try TrustedProxies(parsing: ["0.0.0.0/0", "::/0"])
        #expect(!some.contains(""))
        #expect(!some.contains("localhost"))
        #expect(!some.contains("127.0.0.1:8080"))
        #expect(some.contains(" 127.0.0.1 "))
    }

    @Test("surrounding spaces in an entry are ignored")
    func spaces() throws {
        #expect(try TrustedProxies(parsing: [" 10.0.0.0/8 "]).contains("10.0.0.1"))
    }

    @Test("a bad entry is an error that names it and says why", arguments: [
        ("10.0.0.0/33", "invalid trusted proxy '10.0.0.0/33': the prefix length must be 0-32 for an IPv4 address"),
        ("::/129", "invalid trusted proxy '::/129': the prefix length must be 0-128 for an IPv6 address"),
        ("10.0.0.0/", "invalid trusted proxy '10.0.0.0/': the prefix length after '/' must be a number"),
        ("10.0.0.0/-1", "invalid trusted proxy '10.0.0.0/-1': the prefix length after '/' must be a number"),
        ("10.0.0.0/8/8", "invalid trusted proxy '10.0.0.0/8/8': the prefix length after '/' must be a number"),
        ("256.0.0.1", "invalid trusted proxy '256.0.0.1': '256.0.0.1' is not an IPv4 or IPv6 address"),
        ("10.0.0", "invalid trusted proxy '10.0.0': '10.0.0' is not an IPv4 or IPv6 address"),
        ("010.0.0.1", "invalid trusted proxy '010.0.0.1': '010.0.0.1' is not an IPv4 or IPv6 address"),
        ("proxy.internal", "invalid trusted proxy 'proxy.internal': 'proxy.internal' is not an IPv4 or IPv6 address"),
        ("1::2::3", "invalid trusted proxy '1::2::3': '1::2::3' is not an IPv4 or IPv6 address"),
        ("1:2:3:4:5:6:7:8:9", "invalid trusted proxy '1:2:3:4:5:6:7:8:9': '1:2:3:4:5:6:7:8:9' is not an IPv4 or IPv6 address"),
        ("12345::", "invalid trusted proxy '12345::': '12345::' is not an IPv4 or IPv6 address"),
        ("", "invalid trusted proxy '': expected an IPv4 or IPv6 address or CIDR block"),
        ("/8", "invalid trusted proxy '/8': expected an IPv4 or IPv6 address or CIDR block"),
    ])
    func badEntry(entry: String, message: String) {
        #expect {
            try TrustedProxies(parsing: ["127.0.0.1", entry])
        } throws: { error in
            (error as? TrustedProxies.InvalidEntry)?.description == message
        }
    }

    @Test("IPv6 text forms parse to the right bytes")
    func ipv6Text() {
        #expect(IPAddressText.parse("::") == [UInt8](repeating: 0, count: 16))
        #expect(IPAddressText.parse("1::") == [0, 1] + [UInt8](repeating: 0, count: 14))
        #expect(IPAddressText.parse("::ffff:1.2.3.4") == [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 1, 2, 3, 4])
        #expect(IPAddressText.parse("1:2:3:4:5:6:7::") == [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0])
        #expect(IPAddressText.parse("1:2:3:4:5:6:1.2.3.4") == [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4])
        #expect(IPAddressText.parse(":1::") == nil)
        #expect(IPAddressText.parse("1:2:3:4:5:6:7:8::") == nil)
        #expect(IPAddressText.parse("1.2.3.4::") == nil)
        #expect(IPAddressText.parse("::1.2.3.4:5") == nil)
        #expect(IPAddressText.parse("١.٢.٣.٤") == nil)
    }
}
