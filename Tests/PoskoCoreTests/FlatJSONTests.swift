import Foundation
import PoskoCore
import Testing

/// The flat reader is a fast path in front of `JSONDecoder`: for every body it either declines
/// or gives exactly what the decoder gives.
@Suite struct FlatJSONTests {
    static func fast(_ body: String) -> ReportRequest? {
        Array(body.utf8).withUnsafeBytes { FlatJSON.object($0) }.flatMap(ReportRequest.init(flat:))
    }

    static func decoded(_ body: String) -> ReportRequest? {
        try? JSONDecoder().decode(ReportRequest.self, from: Data(body.utf8))
    }

    /// Bodies the fast path reads.
    static let flat = [
        #"{"post":"berngam-1","bidang":"kesehatan","status":"tutup"}"#,
        "{ \"post\" : \"berngam-1\" ,\n\t\"bidang\": \"semua\", \"status\": \"terganggu\", \"capacity\": 40 }\r\n",
        #"{"post":"setia-1","bidang":"sosial","status":"terganggu","capacity":0,"note":"air 1 m — jalan putus","reporter":null}"#,
        #"{"post":"setia-1","bidang":"sosial","status":"tutup","capacity":null,"note":null,"reporter":"kader Siti (contoh)"}"#,
        #"{"status":"berjalan","bidang":"pendidikan","post":"tangsi-1","extra":"ignored","n":-12}"#,
        #"{"post":"p","bidang":"b","status":"s","capacity":-0}"#,
        #"{"post":"p","bidang":"b","status":"s","capacity":9223372036854775807}"#,
        #"{"post":"p","bidang":"b","status":"s","capacity":-9223372036854775808}"#,
        #"{"post":"berngam-\u0031","bidang":"kesehatan","status":"tutup"}"#,  // escapes
        #"{"post":"a\"b\\c\/d","bidang":"kesehatan","status":"tutup","note":"banjir \ud83c\udf0a\n"}"#,
    ]

    /// Bodies it declines: the decoder decodes some, rejects others with the field at fault.
    static let declined = [
        #"{"post":"\ud83cx","bidang":"kesehatan","status":"tutup"}"#,  // an unpaired surrogate
        #"{"post":"p","bidang":"b","status":"s","capacity":1.5}"#,
        #"{"post":"p","bidang":"b","status":"s","capacity":1e2}"#,
        #"{"post":"p","bidang":"b","status":"s","capacity":012}"#,
        #"{"post":"p","bidang":"b","status":"s","capacity":9223372036854775808}"#,
        #"{"post":"p","bidang":"b","status":"s","capacity":"5"}"#,
        #"{"post":"p","bidang":"b","status":"s","note":5}"#,
        #"{"post":"p","bidang":"b","status":"s","reporter":true}"#,
        #"{"post":"p","bidang":"b","status":"s","extra":{"a":1}}"#,
        #"{"post":"p","bidang":"b","status":"s","extra":[1]}"#,
        #"{"post":"p","bidang":"b"}"#,
        #"{"post":null,"bidang":"b","status":"s"}"#,
        #"{"post":1,"bidang":"b","status":"s"}"#,
        #"{"post":"p","post":"q","bidang":"b","status":"s"}"#,
        #"{"post":"p","bidang":"b","status":"s",}"#,
        #"{"post":"p","bidang":"b","status":"s"} x"#,
        #"{"post":"p","bidang":"b","status":"s""#,
        #"{"post":"p" "bidang":"b","status":"s"}"#,
        #"{"post":"p","bidang":"b","status":nul}"#,
        #"["post"]"#,
        "{\"post\":\"p\tq\",\"bidang\":\"b\",\"status\":\"s\"}",
        "{}",
        "",
    ]

    @Test func flatBodiesReadAsTheDecoderReadsThem() throws {
        for body in Self.flat {
            let fast = try #require(Self.fast(body), "declined: \(body)")
            #expect(fast == Self.decoded(body), "\(body)")
        }
        #expect(Self.fast(Self.flat[2])?.note == "air 1 m — jalan putus")
        #expect(Self.fast(Self.flat[1])?.capacity == 40)
        #expect(Self.fast(Self.flat[8])?.post == "berngam-1")
        #expect(Self.fast(Self.flat[9])?.note == "banjir 🌊\n")
    }

    @Test func everythingElseIsLeftToTheDecoder() {
        for body in Self.declined {
            #expect(Self.fast(body) == nil, "\(body)")
        }
        // Some of them decode fine the slow way (an unknown nested member).
        #expect(Self.decoded(Self.declined[8])?.status == "s")
    }

    /// A body of many members (up to the API's body limit) is declined at once, not compared
    /// member by member for duplicates.
    @Test func manyMembersAreLeftToTheDecoder() {
        let extra = (3..<FlatJSON.maxMembers).map { "\"k\($0)\":\($0)" }
        let atLimit = #"{"post":"p","bidang":"b","status":"s","# + extra.joined(separator: ",") + "}"
        #expect(Self.fast(atLimit) != nil && Self.fast(atLimit) == Self.decoded(atLimit))
        let many = "{" + (0..<5_000).map { "\"k\($0)\":1" }.joined(separator: ",") + "}"
        #expect(Array(many.utf8).withUnsafeBytes { FlatJSON.object($0) }?.count == nil)
    }

    /// Invalid UTF-8 inside a string: declined (the decoder rejects the body).
    @Test func invalidUTF8IsDeclined() {
        var bytes = Array(#"{"post":"p","bidang":"b","status":"s"}"#.utf8)
        bytes[9] = 0xFF
        #expect(bytes.withUnsafeBytes { FlatJSON.object($0) } == nil)
        #expect((try? JSONDecoder().decode(ReportRequest.self, from: Data(bytes))) == nil)
    }
}
