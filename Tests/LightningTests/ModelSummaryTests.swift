import Foundation
import Lightning
import Testing
import Torch

/// ModelSummary's table against Lightning 2.6.6's (`printed_output.json`, recorded by
/// Tools/lightning-reference/printed_output.py). Lightning 2.6 adds a FLOPs column, and with an
/// `example_input_array` input and output sizes, which the Swift summary does not compute; the
/// recorded tables are compared without those columns and the "Total Flops" line.
@Suite struct ModelSummaryTests {
    /// Lightning's SummaryNet: `net = Sequential(Linear(32, 64), BatchNorm1d(64), ReLU(), Dropout(0.1), Linear(64, 2))`,
    /// `head = Linear(2, 1)`, optionally a 3-element parameter of its own.
    final class SummaryNet: Module, LightningModule {
        typealias Batch = [Tensor]
        let net: Sequential
        let head: Linear
        @Parameter var scale: Tensor?

        init(looseParameter: Bool = false) throws {
            net = Sequential(try Linear(32, 64), try BatchNorm1d(64), ReLU(), try Dropout(0.1), try Linear(64, 2))
            head = try Linear(2, 1)
            scale = looseParameter ? try Tensor.ones([3]) : nil
            super.init()
        }

        func trainingStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor { try head(net(batch[0])).mseLoss(target: batch[1]) }
        func configureOptimizers() throws -> SGD { try SGD(parameters(), lr: 0.1) }
    }

    /// BigNet: a frozen Embedding(50000, 64), Linear(64, 1000), Linear(1000, 1000), Linear(1000, 1).
    final class BigNet: Module, LightningModule {
        typealias Batch = [Tensor]
        let embed: Embedding
        let proj: Linear
        let big: Linear
        let out: Linear

        init() throws {
            embed = try Embedding(50000, 64)
            try embed.freeze()
            proj = try Linear(64, 1000)
            big = try Linear(1000, 1000)
            out = try Linear(1000, 1)
            super.init()
        }

        func trainingStep(_ batch: [Tensor], batchIndex: Int) throws -> Tensor { try out(big(proj(embed(batch[0])))).mean() }
        func configureOptimizers() throws -> SGD { try SGD(parameters(), lr: 0.1) }
    }

    /// A recorded table without the FLOPs, In sizes and Out sizes columns and the Total Flops line.
    static func withoutFlops(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        lines.removeAll { $0.hasSuffix("Total Flops") }
        let table = lines.map { line -> String in
            let cells = line.components(separatedBy: " | ")
            return cells.count > 5 ? cells.prefix(5).joined(separator: " | ") : line
        }
        let width = table[0].count
        return table.map { $0.allSatisfy { $0 == "-" } ? String(repeating: "-", count: width) : $0 }.joined(separator: "\n")
    }

    static func expected(_ name: String) throws -> (text: String, maxDepth: Int) {
        let cases = try ReferenceFixtures.load("printed_output").object("model_summary")
        let recorded = cases.object(name)
        return (withoutFlops(recorded["text"] as! String), (recorded["max_depth"] as! NSNumber).intValue)
    }

    @Test(arguments: ["summary_depth1_no_example", "summary_depth2_example", "summary_depth_all_example"])
    func summaryNet(_ name: String) throws {
        let (text, maxDepth) = try Self.expected(name)
        #expect(ModelSummary.summary(of: try SummaryNet(), maxDepth: maxDepth) == text)
    }

    @Test func evalModeAndFrozenParameters() throws {
        let module = try SummaryNet()
        _ = (module.net.layers[3] as! Module).eval()
        try module.head.freeze()
        let (text, maxDepth) = try Self.expected("summary_depth2_eval_frozen")
        #expect(ModelSummary.summary(of: module, maxDepth: maxDepth) == text)
    }

    @Test func parametersOfTheModuleItselfAreOtherParams() throws {
        let (text, maxDepth) = try Self.expected("summary_loose_param")
        #expect(ModelSummary.summary(of: try SummaryNet(looseParameter: true), maxDepth: maxDepth) == text)
    }

    @Test func millionsAndThousandsAsLightningWritesThem() throws {
        let (text, maxDepth) = try Self.expected("summary_big_units")
        #expect(ModelSummary.summary(of: try BigNet(), maxDepth: maxDepth) == text)
    }
}
