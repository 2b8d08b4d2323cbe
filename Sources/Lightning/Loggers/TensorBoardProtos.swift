import Foundation

/// The few TensorBoard protocol buffers the logger writes, encoded by hand (field numbers from
/// `tensorboard/compat/proto/event.proto`, `summary.proto` and `plugins/hparams/{api,plugin_data}.proto`).
enum TensorBoardProtos {
    /// `Event`: `wall_time = 1`, `step = 2`, `file_version = 3`, `summary = 5`, `source_metadata = 10`.
    static func event(wallTime: Double, step: Int64 = 0, fileVersion: String? = nil, summary: Data? = nil,
                      sourceWriter: String? = nil) -> Data {
        ProtobufEncoder.encode { e in
            e.double(1, wallTime)
            if step != 0 { e.int(2, step) }
            if let fileVersion { e.string(3, fileVersion) }
            if let summary { e.bytes(5, summary) }
            if let sourceWriter { e.message(10) { $0.string(1, sourceWriter) } }
        }
    }

    /// A `Summary` holding one `Value` with `simple_value` (a float32 scalar, what
    /// `SummaryWriter.add_scalar` writes by default): `tag = 1`, `simple_value = 2`.
    static func scalarSummary(tag: String, value: Float) -> Data {
        ProtobufEncoder.encode { s in
            s.message(1) { v in
                v.string(1, tag)
                v.float(2, value)
            }
        }
    }

    /// A `Summary` holding one `Value` with only a tag and plugin metadata
    /// (`SummaryMetadata.plugin_data{plugin_name = 1, content = 2}`), as the hparams plugin writes.
    static func pluginSummary(tag: String, pluginName: String, content: Data) -> Data {
        ProtobufEncoder.encode { s in
            s.message(1) { v in
                v.string(1, tag)
                v.message(9) { metadata in
                    metadata.message(1) { plugin in
                        plugin.string(1, pluginName)
                        plugin.bytes(2, content)
                    }
                }
            }
        }
    }
}

/// The hparams plugin's three summaries, as `torch.utils.tensorboard.summary.hparams` builds them.
enum HParamsPluginSummaries {
    /// An hparam as the plugin stores it (`google.protobuf.Value`).
    enum Value: Equatable {
        case number(Double)
        case string(String)
        case bool(Bool)
    }

    static let experimentTag = "_hparams_/experiment"
    static let sessionStartInfoTag = "_hparams_/session_start_info"
    static let sessionEndInfoTag = "_hparams_/session_end_info"

    /// `(experiment, session_start_info, session_end_info)` summaries, in the order Lightning
    /// writes them.
    static func make(_ hparams: [(key: String, value: Value)], metricTags: [String]) -> [Data] {
        // HParamsPluginData: version = 1 (0, left out), experiment = 2, session_start_info = 3,
        // session_end_info = 4.
        let experiment = ProtobufEncoder.encode { data in
            data.message(2) { exp in
                for (name, value) in hparams {
                    // HParamInfo: name = 1, type = 4 (DATA_TYPE_STRING 1, BOOL 2, FLOAT64 3).
                    exp.message(4) { info in
                        info.string(1, name)
                        switch value {
                        case .number: info.int(4, 3)
                        case .string: info.int(4, 1)
                        case .bool: info.int(4, 2)
                        }
                    }
                }
                // MetricInfo: name = 1 (MetricName: group = 1, tag = 2).
                for tag in metricTags { exp.message(5) { $0.message(1) { $0.string(2, tag) } } }
            }
        }
        let sessionStart = ProtobufEncoder.encode { data in
            data.message(3) { ssi in
                // map<string, google.protobuf.Value> hparams = 1: entries {key = 1, value = 2};
                // Value: number_value = 2, string_value = 3, bool_value = 4.
                for (name, value) in hparams {
                    ssi.message(1) { entry in
                        entry.string(1, name)
                        entry.message(2) { v in
                            switch value {
                            case .number(let x): v.double(2, x)
                            case .string(let s): v.string(3, s)
                            case .bool(let b): v.bool(4, b)
                            }
                        }
                    }
                }
            }
        }
        // SessionEndInfo: status = 1 (STATUS_SUCCESS = 1).
        let sessionEnd = ProtobufEncoder.encode { data in data.message(4) { $0.int(1, 1) } }
        return [
            TensorBoardProtos.pluginSummary(tag: experimentTag, pluginName: "hparams", content: experiment),
            TensorBoardProtos.pluginSummary(tag: sessionStartInfoTag, pluginName: "hparams", content: sessionStart),
            TensorBoardProtos.pluginSummary(tag: sessionEndInfoTag, pluginName: "hparams", content: sessionEnd),
        ]
    }
}
