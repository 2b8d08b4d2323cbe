import Foundation
@testable import Lightning
import Testing

/// The table `validate` and `test` print, against Lightning 2.6.6's (`printed_output.json`, made
/// by Tools/lightning-reference/printed_output.py on a 120-column terminal without `rich`), from
/// the same returned metrics.
@Suite struct ResultsTableTests {
    @Test(arguments: ["test_one_dataloader", "validate_one_dataloader", "test_two_dataloaders", "test_long_metric_name"])
    func tableAsLightningPrintsIt(_ name: String) throws {
        let fixture = try ReferenceFixtures.load("printed_output")
        let recorded = fixture.object("results_tables").object(name)
        let stage = try #require(Stage(rawValue: recorded["entry"] as! String))
        let results = (recorded["returned"] as! [[String: Any]]).map { $0.mapValues { fixtureDouble($0)! } }
        let columns = (fixture["terminal_columns"] as! NSNumber).intValue
        var expected = recorded["text"] as! String
        while expected.hasSuffix("\n") { expected.removeLast() }
        #expect(ResultsTable(stage: stage, results: results, terminalWidth: columns).render() == expected)
    }
}
