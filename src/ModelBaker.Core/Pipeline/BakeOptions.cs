namespace ModelBaker.Core.Pipeline;

public enum Precision { Int8, Float32 }

public enum PruningMode { Unstructured }

public enum CodeTarget { Net }

/// <summary>
/// Everything one bake needs, already validated: the CompressedModel item's metadata (README's table),
/// resolved to absolute paths and typed values. <see cref="OptionsParser"/> builds it from strings.
/// </summary>
public sealed record BakeOptions(string ModelPath, string ClassName, string Namespace)
{
    /// <summary>Fraction of each layer's weights set to zero, 0 ≤ s &lt; 1.</summary>
    public float Sparsity { get; init; }
    public PruningMode Pruning { get; init; } = PruningMode.Unstructured;
    public Precision Precision { get; init; } = Precision.Int8;
    /// <summary>A .npy file or a folder of TensorProto .pb files; null = no calibration data.</summary>
    public string? CalibrationPath { get; init; }
    public CodeTarget Target { get; init; } = CodeTarget.Net;
    /// <summary>After pruning, refit each layer's kept weights on the calibration data (docs/compression.md).</summary>
    public bool Reconstruction { get; init; } = true;
}
