import Foundation

extension BertModel {
    /// Keys that checkpoints carry but the model does not load: transformers' non-persistent
    /// `position_ids` buffer, saved by older versions.
    public static let ignoredCheckpointKeys: Set<String> = ["embeddings.position_ids"]

    /// Loads a pretrained BERT from a Hugging Face model folder: `config.json` and
    /// `model.safetensors`, loaded strictly (every parameter present, nothing unexpected apart from
    /// ``ignoredCheckpointKeys``; a `bert.` prefix, as in task checkpoints, is removed). The model is
    /// in evaluation mode.
    ///
    /// ```swift
    /// let bert = try BertModel(pretrained: URL(filePath: "all-MiniLM-L6-v2"))
    /// ```
    public convenience init(pretrained directory: URL, device: Device = .cpu) throws(TorchError) {
        let config = try BertConfig(contentsOf: directory.appendingPathComponent("config.json"))
        var state = try SafeTensorsReader.read(directory.appendingPathComponent("model.safetensors"))
        if state.keys.contains(where: { $0.hasPrefix("bert.") }) { state = state.subtree("bert") }
        try self.init(config: config, addPoolingLayer: state["pooler.dense.weight"] != nil, initialize: false)
        for key in Self.ignoredCheckpointKeys { state[key] = nil }
        try loadStateDict(state)
        if device != .cpu { try to(device) }
        eval()
    }
}
