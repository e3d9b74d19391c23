using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Operators;

/// <summary>Every operator ModelBaker can bake, by ONNX op type.</summary>
public static class OperatorRegistry
{
    private static readonly Dictionary<string, IOperator> ByOpType = new IOperator[]
    {
        new Add(), new Dropout(), new Flatten(), new Gemm(), new Identity(), new MatMul(),
        new Relu(), new Reshape(), new Sigmoid(), new Softmax(), new Tanh(),
        new Abs(), new ArgMax(), new ArgMin(), new Clip(), new Div(), new Elu(), new Exp(), new HardSigmoid(), new HardSwish(),
        new LeakyRelu(), new LogSoftmax(), new Max(), new Mean(), new Min(), new Mul(), new Neg(), new PRelu(),
        new ReduceMax(), new ReduceMean(), new ReduceSum(), new ReduceSumSquare(), new ReduceMin(), new ReduceProd(),
        new ReduceL1(), new ReduceL2(), new ReduceLogSum(), new ReduceLogSumExp(), new Selu(), new Softplus(), new Sqrt(), new Log(), new Reciprocal(), new Sub(), new Sum(),
        new Cast(), new Concat(), new Constant(), new ConstantOfShape(), new Gather(), new GatherElements(), new OneHot(), new Pad(), new Shape(), new Slice(),
        new Squeeze(), new TopK(), new Transpose(), new Unsqueeze(), new Expand(), new Tile(), new Range(),
        new Conv(), new MaxPool(), new AveragePool(), new GlobalAveragePool(), new GlobalMaxPool(), new BatchNormalization(),
        new LRN(), new InstanceNormalization(), new GroupNormalization(),
        new DepthToSpace(toSpace: true), new DepthToSpace(toSpace: false), new ConvTranspose(), new Resize(upsample: false), new Resize(upsample: true),
        new LayerNormalization(), new Gelu(), new MicrosoftGelu(), new FastGelu(), new Erf(), new Split(),
        new Less(), new LessOrEqual(), new Greater(), new GreaterOrEqual(), new Equal(), new Not(), new And(), new Or(), new Xor(), new Where(),
        new Floor(), new Ceil(), new Round(), new Sign(), new Mod(), new Pow(), new Hardmax(),
        new LSTM(), new GRU(), new RNN(), new Scan(), new CastLike(),
        new QuantizeLinear(), new DequantizeLinear(), new ConvInteger(), new MatMulInteger(), new QLinearConv(), new QLinearMatMul(),
        new QLinearAdd(), new QLinearMul(), new QLinearAveragePool(), new QLinearGlobalAveragePool(), new QLinearSoftmax(), new QLinearConcat(),
        new QLinearSigmoid(), new QLinearLeakyRelu(), new QGemm(), new DynamicQuantizeLinear(),
        new TreeEnsembleClassifier(), new TreeEnsembleRegressor(), new TreeEnsemble(),
        new LinearClassifier(), new LinearRegressor(), new Scaler(), new Normalizer(), new Binarizer(), new Imputer(), new ArrayFeatureExtractor(),
        new OneHotEncoder(), new LabelEncoder(), new FeatureVectorizer(), new SVMClassifier(), new SVMRegressor(), new ZipMap(),
    }.ToDictionary(op => op.OpType, StringComparer.Ordinal);

    /// <summary>Every registered operator, by op type (docs/operators.md is generated from their <see cref="IOperator.Support"/>).</summary>
    public static IReadOnlyList<IOperator> All { get; } = ByOpType.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).ToArray();

    /// <summary>Supported op types, sorted (for messages and docs).</summary>
    public static IReadOnlyList<string> SupportedOpTypes { get; } = ByOpType.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();

    public static IOperator? Find(string opType) => ByOpType.TryGetValue(opType, out var op) ? op : null;

    /// <summary>
    /// Throws <see cref="ErrorCodes.UnsupportedOperators"/> listing every unsupported node at once, so a user
    /// sees the whole gap in one build instead of one node per attempt.
    /// </summary>
    public static void EnsureSupported(Graph graph)
    {
        var unsupported = graph.Nodes.Where(n => Find(n.OpType) == null).ToList();
        if (unsupported.Count == 0) return;
        var opTypes = unsupported.Select(n => n.OpType).Distinct().OrderBy(t => t, StringComparer.Ordinal);
        throw new BakeException(ErrorCodes.UnsupportedOperators,
            $"The model uses {unsupported.Count} node(s) with operators ModelBaker does not support yet " +
            $"({string.Join(", ", opTypes)}):" + Environment.NewLine +
            string.Join(Environment.NewLine, unsupported.Select(n => "  " + n.Describe())) + Environment.NewLine +
            $"Supported operators: {string.Join(", ", SupportedOpTypes)}. " +
            "Replace those layers with supported ones and re-export the model, or ask for the operators in an issue.");
    }
}
