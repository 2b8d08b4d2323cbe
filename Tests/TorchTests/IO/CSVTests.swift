import Foundation
import Testing
@testable import Torch

/// The CSV reader against RFC 4180 cases (checked with Python's csv module by the fixture script).
@Suite struct CSVTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let text: String
            let header: Bool
            let separator: String?
            let expected_header: [String]?
            let expected_rows: [[String]]?
            let error: String?
        }
        struct Numbers: Decodable {
            let text: String
            let header: Bool
            let expected_header: [String]
            let expected_values: [Double]
            let rows: Int
            let columns: Int
        }
        let cases: [String: Case]
        let errors: [String: Case]
        let numbers: Numbers
    }

    let fixture: Fixture

    init() throws {
        fixture = try IOFixtures.load("csv.json")
    }

    func reader(_ testCase: Fixture.Case) -> CSVReader {
        CSVReader(hasHeader: testCase.header, separator: Character(testCase.separator ?? ","))
    }

    @Test func parsesRFC4180() throws {
        for (name, testCase) in fixture.cases {
            let table = try reader(testCase).parse(testCase.text)
            #expect(table.header == testCase.expected_header, "\(name)")
            #expect(table.rows == testCase.expected_rows!, "\(name)")
        }
    }

    @Test func reportsMalformedRows() {
        for (_, testCase) in fixture.errors {
            expectError(testCase.error!) { _ = try reader(testCase).parse(testCase.text) }
        }
    }

    @Test func readsNumbers() throws {
        let numbers = try CSVReader(hasHeader: true).parseNumbers(Array(fixture.numbers.text.utf8))
        #expect(numbers.header == fixture.numbers.expected_header)
        #expect(numbers.rowCount == fixture.numbers.rows)
        #expect(numbers.columnCount == fixture.numbers.columns)
        #expect(numbers.values == fixture.numbers.expected_values)
        let tensor = try numbers.tensor(columns: 1..<3)
        #expect(tensor.shape == [2, 2])
        #expect(try tensor.toArray(of: Float.self) == [2.5, -3, 5, -0.125])
        expectError("row 2 (line 2), column 2: 'x' is not a number") { _ = try CSVReader().parseNumbers(Array("1,2\n3,x\n".utf8)) }
    }

    @Test func readsGzippedFiles() throws {
        let folder = try TemporaryFolder()
        let gzip: [UInt8] = [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0x03] // header; a stored block follows
        let text = Array("a,b\n1,\"x\ny\"\n".utf8)
        var body: [UInt8] = [0x01]
        body.appendLittleEndian(UInt16(text.count))
        body.appendLittleEndian(~UInt16(text.count))
        var trailer: [UInt8] = []
        trailer.appendLittleEndian(CRC32.checksum(text))
        trailer.appendLittleEndian(UInt32(text.count))
        let url = try folder.write(gzip + body + text + trailer, to: "t.csv.gz")
        let table = try CSVReader(hasHeader: true).read(contentsOf: url)
        #expect(table.header == ["a", "b"])
        #expect(table.rows == [["1", "x\ny"]])
        #expect(table.column(named: "b") == ["x\ny"])
    }

    @Test func handlesEmptyInput() throws {
        #expect(try CSVReader().parse("").rows.isEmpty)
        #expect(try CSVReader().parse("\u{FEFF}").rows.isEmpty)
        #expect(try CSVReader().parse("\"\"").rows == [[""]])
        expectError("separator") { _ = try CSVReader(separator: "\"").parse("a") }
    }
}
