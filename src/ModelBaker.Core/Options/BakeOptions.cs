namespace ModelBaker.Core.Options;

public enum Precision { Int8, Float32 }

/// <summary>How weights are chosen for pruning (docs/compression.md).</summary>
public enum PruningMode
{
    /// <summary>Sparsity of all weights, spread over the layers by size (Erdős–Rényi), the smallest |w| within each layer.</summary>
    Unstructured,
    /// <summary>Per layer: the smallest Sparsity share of each layer's weights.</summary>
    Uniform,
    /// <summary>One magnitude threshold across all layers, chosen so that Sparsity of all weights are zero.</summary>
    Global,
    /// <summary>Whole filters and neurons (smallest L1 norm), and the consumers' matching inputs, until Sparsity of the weights are gone.</summary>
    Structured,
}

/// <summary>What knowledge distillation from the float model tunes (docs/compression.md).</summary>
public enum DistillationScope
{
    None,
    /// <summary>The classifier head's weights, on the features the compressed network computes.</summary>
    Head,
    /// <summary>Every weighted layer, back-propagating through the whole network.</summary>
    Network,
}

/// <summary>How activation ranges are chosen from the calibration data (docs/compression.md).</summary>
public enum CalibrationMethod { MinMax, Percentile, Entropy }

/// <summary>Which C# the generator writes: .NET (spans, SIMD) or nanoFramework (arrays, C# 9, docs/nanoframework.md).</summary>
public enum CodeTarget { Net, NanoFramework }

/// <summary>Where the generated class keeps its constant arrays (docs/compression.md#weight-storage).</summary>
public enum WeightStorage
{
    /// <summary>Inline below <see cref="Pipeline.Baker.AutoResourceWeightBytes"/> of weights, Resource from there on; always Inline for nanoFramework.</summary>
    Auto,
    /// <summary>Array initializers in the C#: nothing to embed, but Roslyn pays about 0.4 GB and 18 s per MB of them.</summary>
    Inline,
    /// <summary>One little-endian binary blob embedded as a manifest resource, read into one array on first use.</summary>
    Resource,
}

/// <summary>
/// Everything one bake needs, already validated: the CompressedModel item's metadata (README's table),
/// resolved to absolute paths and typed values. <see cref="OptionsParser"/> builds it from strings.
/// </summary>
public sealed record BakeOptions(string ModelPath, string ClassName, string Namespace)
{
    /// <summary>Fraction of the weights set to zero, 0 ≤ s &lt; 1 (how it is spread over layers: <see cref="Pruning"/>).</summary>
    public float Sparsity { get; init; }
    /// <summary>
    /// Sparsity="auto": the bake searches Sparsity (and Clusters, unless given) for the smallest model within
    /// <see cref="MaxAccuracyDrop"/> (Pipeline/SparsitySearch.cs); <see cref="Sparsity"/> is then ignored.
    /// </summary>
    public bool SparsityAuto { get; init; }
    /// <summary>
    /// Without <see cref="ValidationPath"/>: hold back one calibration sample in <see cref="Pipeline.HeldBackValidation.Every"/>
    /// from calibration and reconstruction, and validate on those (the auto search and `modelbaker sweep` set it).
    /// </summary>
    public bool HoldBackValidation { get; init; }
    public PruningMode Pruning { get; init; } = PruningMode.Unstructured;
    /// <summary>
    /// Named layers' own sparsity, instead of their share of <see cref="Sparsity"/> (which the other layers keep); null =
    /// none. What Sparsity="auto" pins its per-layer choice with.
    /// </summary>
    public LayerSparsity? LayerSparsity { get; init; }
    /// <summary>A fixed magnitude threshold: every |w| below it becomes 0 (instead of a target Sparsity).</summary>
    public float? PruningThreshold { get; init; }
    public Precision Precision { get; init; } = Precision.Int8;
    /// <summary>A .npy file or a folder of TensorProto .pb files; null = no calibration data.</summary>
    public string? CalibrationPath { get; init; }
    public CalibrationMethod CalibrationMethod { get; init; } = CalibrationMethod.MinMax;
    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the share of |values| kept inside the range, in percent.</summary>
    public double CalibrationPercentile { get; init; } = 99.99;
    public CodeTarget Target { get; init; } = CodeTarget.Net;
    public WeightStorage WeightStorage { get; init; } = WeightStorage.Auto;
    /// <summary>
    /// The manifest resource name the generated class reads its weights from when they are stored as a resource; null =
    /// "Namespace.ClassName.weights". The MSBuild task names it after the plan file, which ModelBaker.targets can predict.
    /// </summary>
    public string? WeightResourceName { get; init; }
    /// <summary>Weight clustering: each layer's non-zero weights share this many values (2…256); null = no clustering.</summary>
    public int? Clusters { get; init; }
    /// <summary>Correct each layer's bias for the mean error int8 weight rounding causes (needs calibration data).</summary>
    public bool BiasCorrection { get; init; }
    /// <summary>Distil the classifier head or the whole network from the float model on the calibration data (docs/compression.md).</summary>
    public DistillationScope Distillation { get; init; } = DistillationByDefault;
    /// <summary>The softmax temperature T of the distillation loss.</summary>
    public double DistillationTemperature { get; init; } = DefaultDistillationTemperature;
    public const DistillationScope DistillationByDefault = DistillationScope.None;
    public const double DefaultDistillationTemperature = 4;
    /// <summary>After pruning, refit each layer's kept weights on the calibration data (docs/compression.md).</summary>
    public bool Reconstruction { get; init; } = true;
    /// <summary>Inputs to compare the float and baked models on (same layouts as calibration data); null = no validation.</summary>
    public string? ValidationPath { get; init; }
    /// <summary>A .npy of class labels, one per validation sample; null = compare with the float model's top-1.</summary>
    public string? ValidationLabelsPath { get; init; }
    /// <summary>
    /// Largest allowed top-1 drop in points (of agreement when there are no labels): the MB1401 gate on Validation, and
    /// automatic recovery's budget; null = the default budget (1 point) for recovery and no MB1401 gate.
    /// </summary>
    public double? MaxAccuracyDrop { get; init; }
    /// <summary>
    /// Largest allowed relative RMS error of an output against the float model's; null = <see cref="DefaultMaxOutputError"/>
    /// for the outputs of a model that is not a classifier when MaxAccuracyDrop asks for a gate, else no gate.
    /// </summary>
    public double? MaxOutputError { get; init; }

    /// <summary>
    /// The error budget of a model that is not a classifier (several outputs, detection, regression, embeddings) when
    /// MaxAccuracyDrop asks for a gate: 5 % relative RMS error (an SNR of 26 dB), docs/compression.md section 7.
    /// </summary>
    public const double DefaultMaxOutputError = 0.05;
    /// <summary>MaxAccuracyDrop="none": no accuracy budget, so no automatic recovery and no gate (docs/compression.md).</summary>
    public bool NoAccuracyBudget { get; init; }
}
