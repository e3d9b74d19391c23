using System.Collections.Generic;

namespace ModelBaker.Core.Operators;

/// <summary>
/// The inputs of an operator that must be known when the model is baked — weights, quantization parameters, shape
/// arguments (a Conv's W and B, a Reshape's shape) — which exporters write as initializers. The CLI's conformance
/// runner binds such inputs, given as graph inputs by the ONNX backend test cases, to their test data.
/// </summary>
public interface IBakeTimeInputs
{
    /// <summary>Input positions read at bake time.</summary>
    IReadOnlyList<int> BakeTimeInputs { get; }
}
