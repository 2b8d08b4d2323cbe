import Foundation
import Testing
@testable import Torch

/// The IDX reader (MNIST's format) against files written by the fixture script, plain and gzipped.
@Suite struct IDXTests {
    struct Fixture: Decodable {
        struct Case: Decodable { let file: String; let expected: ExpectedTensor?; let error: String? }
        let cases: [String: Case]
        let errors: [String: Case]
    }

    @Test func readsEveryTypeCode() throws {
        let fixture = try IOFixtures.load("idx.json", as: Fixture.self)
        let folder = try TemporaryFolder()
        for (name, testCase) in fixture.cases {
            let url = try folder.write(base64(testCase.file), to: name)
            expectTensor(try IDX.load(contentsOf: url), testCase.expected!, name)
        }
    }

    @Test func refusesDamagedFiles() throws {
        let fixture = try IOFixtures.load("idx.json", as: Fixture.self)
        for (_, testCase) in fixture.errors {
            expectError(testCase.error!) { _ = try IDX.decode(base64(testCase.file)) }
        }
        expectError("bytes follow") { _ = try IDX.decode([0, 0, 8, 1, 0, 0, 0, 1, 7, 7]) }
        expectError("is it still gzipped") { _ = try IDX.decode([1, 2, 8, 1, 0, 0, 0, 1, 7]) }
    }
}
