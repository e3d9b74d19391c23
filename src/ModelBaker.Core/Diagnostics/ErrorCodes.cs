namespace ModelBaker.Core.Diagnostics;

/// <summary>
/// Every code ModelBaker reports. Codes are stable: never renumber, only add. Each one is described,
/// with its fix, in docs/errors.md.
/// </summary>
public static class ErrorCodes
{
    // MB1xxx — the ONNX model
    public const string ModelNotFound = "MB1001";
    public const string ModelUnreadable = "MB1002";
    public const string ExternalDataOutsideModelFolder = "MB1003";
    public const string ExternalDataMissing = "MB1004";
    /// <summary>An IR version or operator set version outside what this version reads, or opset imports that contradict.</summary>
    public const string UnsupportedVersion = "MB1005";
    public const string UnsupportedOperators = "MB1101";
    public const string UnsupportedElementType = "MB1102";
    public const string ShapeError = "MB1103";
    public const string UnsupportedOperatorUsage = "MB1104";
    public const string InvalidGraph = "MB1105";
    /// <summary>A step the chosen CodeTarget cannot run (nanoFramework: float steps, casts to or from float).</summary>
    public const string UnsupportedOnTarget = "MB1106";
    /// <summary>An attribute of another type than its operator defines (a string transA), or declared with no value.</summary>
    public const string AttributeTypeMismatch = "MB1107";
    /// <summary>Weights or biases of a layer that are NaN or infinite.</summary>
    public const string NonFiniteWeights = "MB1108";
    /// <summary>A tensor, or the generated code, larger than a build on an ordinary machine can take.</summary>
    public const string ModelTooLarge = "MB1109";
    /// <summary>CodeTarget="NanoFramework" with a step that has no int8 form, which an int8 plan runs in float (a float island).</summary>
    public const string FloatIslandOnTarget = "MB1135";
    /// <summary>Warning: the model has tensors ModelBaker computes in a wider type (double, float16, bfloat16, float8, float4 in float32; int4, uint4, int2, uint2 in int8 or uint8), converted at the model's edges.</summary>
    public const string ComputedInFloat32 = "MB1136";
    /// <summary>An SVM whose support-vector kernel has no int8 form: a fractional POLY degree, vectors far off the calibrated input grid, too many features.</summary>
    public const string SupportVectorsOutOfRange = "MB1123";
    /// <summary>An int8 LayerNormalization whose rows are longer than its integer sums of squares take (LayerNormInt8.MaxSize).</summary>
    public const string LayerNormRowTooLong = "MB1120";
    /// <summary>The nanoFramework flavour of an Imputer replacing NaN in a model input: NaN has no int8 value.</summary>
    public const string NanNotInInt8 = "MB1121";
    /// <summary>An int8 Normalizer whose rows are longer than its integer sums of squares take (NormalizerInt8.MaxColumns).</summary>
    public const string NormalizerRowTooLong = "MB1122";
    /// <summary>A Scan whose unrolled form (iterations × body nodes) would exceed Scan.MaxUnrolledNodes.</summary>
    public const string ScanTooLong = "MB1125";
    /// <summary>LayerSparsity names a node the model does not have.</summary>
    public const string LayerSparsityUnknownLayer = "MB1126";
    /// <summary>A LayerSparsity entry that is not name=sparsity with 0 ≤ sparsity &lt; 1 (or a LayerSparsity with no entry).</summary>
    public const string InvalidLayerSparsity = "MB1127";
    /// <summary>LayerSparsity names a node that pruning cannot reach: not a weighted layer, or weights one repeated value (a fill).</summary>
    public const string LayerNotPrunable = "MB1128";
    /// <summary>LayerSparsity names one layer twice.</summary>
    public const string LayerNamedTwice = "MB1129";
    // MB1150 (WeightStorage="Resource" with CodeTarget="NanoFramework") is retired: the nanoFramework flavour reads a resource.
    /// <summary>A WeightStorage value other than Auto, Inline and Resource.</summary>
    public const string UnknownWeightStorage = "MB1151";
    /// <summary>A tree ensemble classifier with string class labels (classlabels_strings), not baked yet.</summary>
    public const string StringClassLabels = "MB1115";
    /// <summary>Tree ensemble attributes that do not make trees: a child or weight on a missing node, a leaf without weights, a cycle.</summary>
    public const string InvalidTreeEnsemble = "MB1116";
    // A string tensor (graph input, initializer) or string-keyed ai.onnx.ml attribute: generated code computes no strings.
    public const string StringData = "MB1110";
    // Warning: Sparsity or Clusters asked for on a model with no weighted layer (a classical model's steps only).
    public const string CompressionNotApplicable = "MB1111";

    // MB12xx — CompressedModel item metadata
    public const string InvalidSparsity = "MB1201";
    public const string UnknownPrecision = "MB1202";
    public const string UnknownPruning = "MB1203";
    public const string CalibrationNotFound = "MB1204";
    public const string UnknownTarget = "MB1205";
    public const string InvalidClassName = "MB1206";
    public const string InvalidNamespace = "MB1207";
    public const string UnknownMetadata = "MB1208";
    // MB1209 (an option not available yet: Pruning="Structured") is retired: structured pruning exists.
    public const string DuplicateClassName = "MB1210";
    public const string ConflictingMetadata = "MB1211";
    public const string InvalidNumber = "MB1212";
    public const string UnknownCalibrationMethod = "MB1213";
    public const string ValidationNotFound = "MB1214";
    public const string InvalidBoolean = "MB1215";
    public const string UnknownDistillation = "MB1216";
    /// <summary>Warning: Distillation="Network" cannot run on this model (a step with no backward pass, no classifier head).</summary>
    public const string DistillationNotApplicable = "MB1217";
    /// <summary>Warning: Pruning="Structured" cannot see through some nodes, so channels feeding them are kept.</summary>
    public const string StructuredPruningBlocked = "MB1218";

    // MB13xx — calibration data
    public const string CalibrationUnreadable = "MB1301";
    public const string CalibrationShapeMismatch = "MB1302";
    public const string NoCalibrationData = "MB1303"; // warning
    /// <summary>Calibration data that is not finite (NaN, ±Inf), or whose values no float32 can hold.</summary>
    public const string CalibrationNotFinite = "MB1304";
    /// <summary>Warning: the float model overflows (Inf/NaN) on the calibration inputs.</summary>
    public const string CalibrationOverflow = "MB1305";
    /// <summary>Warning: the calibration data's range is degenerate (every sample the same, or all zero).</summary>
    public const string CalibrationDegenerate = "MB1306";
    /// <summary>Warning: validation samples that are also calibration samples, so the measured agreement is optimistic.</summary>
    public const string ValidationIsCalibration = "MB1307";
    /// <summary>Warning: Sparsity="auto" or sweep judges settings on held-back calibration samples (no Validation).</summary>
    public const string JudgedOnHeldBackCalibration = "MB1309";
    /// <summary>Warning: the requested Sparsity is not reached over the model's weights (fills, unreachable steps); says why and the figure.</summary>
    public const string SparsityNotMet = "MB1310";
    /// <summary>Warning: compression with too few calibration samples to hold some back, and no Validation: the bake's accuracy is not measured.</summary>
    public const string TooFewSamplesToJudge = "MB1308";

    // MB14xx — the quality gate
    public const string AccuracyGateFailed = "MB1401";
    public const string ValidationLabelsInvalid = "MB1402";
    // MB1410–MB1414 — Sparsity="auto" and `modelbaker sweep`
    public const string SparsityAutoNeedsBudget = "MB1410";
    public const string SparsityAutoNeedsCalibration = "MB1411";
    public const string SparsityAutoNoSetting = "MB1412";
    public const string TooFewSamplesToHoldBack = "MB1413";
    public const string InvalidSweepSettings = "MB1414";
    /// <summary>An output's relative error against the float model exceeds MaxOutputError (or its default).</summary>
    public const string OutputErrorGateFailed = "MB1415";
    /// <summary>Info: a step's output error spikes above its neighbours' (the report's layers[].flag says the likely cause).</summary>
    public const string StepErrorSpike = "MB1416";
    /// <summary>Sparsity="auto" or sweep on a model that is not a classifier: the search measures top-1 drops.</summary>
    public const string SparsityAutoNeedsClassifier = "MB1417";
    /// <summary>
    /// Warning: a plain int8 bake with calibration data and no Validation disagrees with the float model on its own
    /// calibration samples by more than the accuracy budget (with MaxAccuracyDrop set, MB1401 instead).
    /// </summary>
    public const string Int8DisagreesOnCalibration = "MB1418";
    /// <summary>Automatic recovery found no step within the accuracy budget (docs/compression.md, "Automatic recovery").</summary>
    public const string RecoveryFailed = "MB1403";

    // MB2xxx — baked plans and code generation
    public const string PlanVersionMismatch = "MB2001";
    public const string PlanUnreadable = "MB2002";
    public const string PlanWriteFailed = "MB2003";
    /// <summary>The compiled nanoFramework code breaks a limit of nanoCLR's assembly format (NanoFramework/NanoFrameworkLimit.cs).</summary>
    public const string NanoFrameworkLimitExceeded = "MB2004";
    /// <summary>A plan stores its weights in a resource file that is not beside it (deleted after the bake).</summary>
    public const string WeightResourceMissing = "MB2005";

    // MB9xxx — bugs: an unexpected failure inside ModelBaker
    public const string InternalError = "MB9001";
}
