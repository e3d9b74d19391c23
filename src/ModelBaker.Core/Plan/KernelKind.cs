namespace ModelBaker.Core.Plan;

/// <summary>Tags of kernels in the plan file (two bytes). Stable numbers: a new kernel gets a new number.</summary>
public enum KernelKind : ushort
{
    FullyConnectedInt8 = 1,
    // 2 was AddInt8 before plan format 3: now BinaryInt8 (10), which carries an operation code.
    LookupInt8 = 3,
    // 4 was SoftmaxInt8 and 11 LogSoftmaxInt8 with a 256-entry exp table (and, for LogSoftmaxInt8, a 256-entry
    // difference table): now 250 and 251, with the split 32-entry exp table (issue 16, item 8). Old plans are refused
    // (unknown tag), not misread.
    SoftmaxInt8 = 250,
    LogSoftmaxInt8 = 251,
    ConcatInt8 = 20,
    ConvInt8 = 5,
    PoolInt8 = 6,
    ChannelAffineInt8 = 7,
    FullyConnectedFloat = 65,
    // 66 was AddFloat before plan format 3: now BinaryFloat (74), which carries an operation code.
    UnaryFloat = 67,
    SoftmaxFloat = 68,
    BinaryInt8 = 10,
    ReduceInt8 = 12,
    ArgMaxInt8 = 13,
    BinaryFloat = 74,
    BinaryInteger = 75,
    ReduceFloat = 76,
    ArgMaxFloat = 77,
    Remap = 84,
    Concat = 85,
    Conversion = 86,
    ConvFloat = 69,
    PoolFloat = 70,
    ChannelAffineFloat = 71,
    // 40 and 41 were UniformConvFloat and UniformFullyConnectedFloat before plan format 14: now ConvFloat and
    // FullyConnectedFloat with uniform weights (Encodings/FloatWeights.cs).
    LrnFloat = 42,
    LinearQuantization = 30,
    RunTimeQuantization = 35,
    LinearDequantization = 31,
    IntegerConv = 32,
    IntegerMatMul = 33,
    Requantization = 34,
    MaxPoolIndices = 43,
    BatchStatisticsFloat = 44,
    LayerNormFloat = 140,
    MatMulFloat = 141,
    MatMulInt8 = 142,
    // 230–234: transformer blocks in int8 plans.
    LayerNormInt8 = 230,
    LayerNormStatisticsFloat = 231,
    LayerNormStatisticsInt8 = 232,
    // 240–249: recurrent layers in int8 plans.
    LstmInt8 = 240,
    GruInt8 = 241,
    RnnInt8 = 242,
    // Float islands in int8 plans (docs/compression.md): an int8 tensor into float before a float-only step, and back.
    FloatIslandEntry = 170,
    FloatIslandExit = 171,
    Predicate = 150,
    Select = 151,
    TopKIndices = 152,
    OneHot = 153,
    GatherIndexed = 154,
    ArgMinFloat = 155,
    ArgMinInt8 = 156,
    ConvInt8ChannelsLast = 200,
    PoolInt8ChannelsLast = 201,
    ChannelsLastTranspose = 202,
    AveragePoolInt8 = 210,
    TreeEnsembleFloat = 120,
    TreeScoresFloat = 121,
    // 220–224: tree ensembles in int8 plans (the int32 fixed-point walk, integer scores, float-finished scores).
    TreeEnsembleInt8 = 220,
    TreeScoresInt8 = 221,
    TreeScoresDequantized = 222,
    // 14–19: linear and SVM classifiers in int8 plans (labels, score transforms, support vectors). Assigned 270–279, which
    // a byte tag cannot hold: stored as those numbers less 256.
    ClassLabelInt8 = 14,
    WidenedScoresInt8 = 15,
    SoftmaxZeroInt8 = 16,
    SupportVectorKernelInt8 = 17,
    // 274: an SVM's Platt probabilities and pairwise coupling in fixed point (tags are two bytes now: the number itself).
    PairwiseProbabilityInt8 = 274,
    RecurrentFloat = 130,
    // 180–189: upsampling.
    ConvTransposeFloat = 180,
    ResizeLinearFloat = 181,
    ConvTransposeInt8 = 182,
    // Int8 resize by Q15 taps (the int8 form of both float resize steps).
    ResizeTapsInt8 = 183,
    // A Cast between a quantized float tensor and an integer one, by table or thresholds.
    CastInt8 = 88,
    // Resize by separable per-axis taps (cubic, antialias, tf_crop_and_resize).
    ResizeTapsFloat = 87,
    // 100–119: classical machine learning (ai.onnx.ml).
    ScoreTransformFloat = 100,
    ClassLabelFloat = 101,
    ZipMapFloat = 102,
    FeatureMapFloat = 103,
    NormalizerFloat = 104,
    ColumnSelection = 105,
    OneHotEncoderFloat = 106,
    LabelEncoderInteger = 107,
    SupportVectorKernelFloat = 108,
    OneVsOneFloat = 109,
    PairwiseProbabilityFloat = 110,
    // 111: FeatureVectorizerFloat, retired (FeatureVectorizer lowers to Concat and Remap).
    // 260–269: integer forms of the classical per-feature and encoding steps.
    NormalizerInt8 = 260,
    // 280–283: double and float16 tensors (computed in float32).
    HalfRounding = 280,
    // 281–289: bfloat16, float8, float4 (computed in float32) and 4- and 2-bit integers (computed in int8 and uint8).
    SmallFloatRounding = 281,
    IntegerNarrowing = 282,
}
