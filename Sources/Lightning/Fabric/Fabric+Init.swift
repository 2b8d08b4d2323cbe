import Torch

extension Fabric {
    /// Builds a module for this Fabric: in the dtype of a "true" precision and on its device
    /// (Lightning's `with fabric.init_module(): model = ...`).
    ///
    /// libtorch has no default device for new tensors (PyTorch's is a Python feature), so the
    /// module is built on the CPU and then moved; the result is the same, built with the CPU's
    /// memory and initialisers.
    ///
    /// ```swift
    /// let model = try fabric.initModule { try Classifier() }
    /// ```
    public func initModule<M: Module>(_ build: () throws -> M) throws -> M {
        let module = try build()
        try precisionPlugin.convertModule(module)
        try module.to(device)
        return module
    }

    /// Builds a tensor for this Fabric: floating-point values in the dtype of a "true" precision,
    /// on its device (Lightning's `with fabric.init_tensor(): ...`).
    ///
    /// ```swift
    /// let noise = try fabric.initTensor { try Tensor.randn([64, 128]) }
    /// ```
    public func initTensor(_ build: () throws -> Tensor) throws -> Tensor {
        try precisionPlugin.convertInput(try build()).to(device)
    }
}
