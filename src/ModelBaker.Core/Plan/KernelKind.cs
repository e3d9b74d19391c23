namespace ModelBaker.Core.Plan;

/// <summary>Tags of kernels in the plan file. Stable numbers: a new kernel gets a new number.</summary>
public enum KernelKind : byte
{
    FullyConnectedInt8 = 1,
    // 2 was AddInt8 before plan format 3: now BinaryInt8 (10), which carries an operation code.
    LookupInt8 = 3,
    SoftmaxInt8 = 4,
    ConcatInt8 = 20,
    ConvInt8 = 5,
    PoolInt8 = 6,
    ChannelAffineInt8 = 7,
    FullyConnectedFloat = 65,
    // 66 was AddFloat before plan format 3: now BinaryFloat (74), which carries an operation code.
    UnaryFloat = 67,
    SoftmaxFloat = 68,
    BinaryInt8 = 10,
    LogSoftmaxInt8 = 11,
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
    LinearDequantization = 31,
    IntegerConv = 32,
    IntegerMatMul = 33,
    Requantization = 34,
    MaxPoolIndices = 43,
    BatchStatisticsFloat = 44,
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
    FeatureVectorizerFloat = 111,
}
