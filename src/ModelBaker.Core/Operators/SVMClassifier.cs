using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml SVMClassifier, as ONNX Runtime computes it. With support vectors (vectors_per_class): kernel values, the
/// one-vs-one decision value of every class pair (libsvm layout), the label by votes; the scores are the decision
/// values ([rows, 2] as [−s, s] or [1 − s, s] for two classes), or with prob_a / prob_b the class probabilities of
/// Platt scaling and pairwise coupling. Without support vectors, the linear model X · coefficientsᵀ + rho[0] per class
/// (a fully connected step) with the label of the largest score (for two classes without probabilities, labels[1]
/// when that score is positive — at least 0.5 when all coefficients are). Then the post transform. String class
/// labels make the label an index into &lt;Label&gt;Classes, as for LinearClassifier.
/// </summary>
public sealed class SVMClassifier : IOperator
{
    public string OpType => ClassicalModel.Domain + "SVMClassifier";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 1, "kernels LINEAR, POLY, RBF, SIGMOID: kernel-value and one-vs-one steps, label by votes; prob_a / prob_b probabilities (Platt scaling, pairwise coupling); no support vectors: a fully connected step; post transform", Int8Form.Integer, "kernel values from an integer dot product or squared distance and a 255-level table of the kernel function (int8 support vectors on one scale; int16 on the input's grid for RBF); one-vs-one decision values as an int8 fully connected step; votes, label and post transform on int8; prob_a / prob_b probabilities in fixed point (Platt scaling by a Q15 sigmoid, pairwise coupling in Q24/Q30)", Nano: true)
    {
        NanoDetails = "with probabilities too (fixed-point coupling, its working arrays allocated once with the class)",
        Refuses = new[] { "kernel types ONNX does not define", "prob_a / prob_b not one per class pair, or too many classes for them", "two classes, no probabilities and PROBIT", "more classes than the vote counts" },
    };

    private sealed record Model(int Rows, int Features, int Classes, long[] Labels, string[]? Strings, int[] VectorsPerClass, float[] SupportVectors,
        float[] Coefficients, float[] Rho, float[] ProbA, float[] ProbB, PostTransform Transform, SvmKernel Kernel, float Gamma, float Coef0, float Degree)
    {
        public bool Svc => VectorsPerClass.Sum() > 0;
        public int Vectors => VectorsPerClass.Sum();
        public int Pairs => Classes * (Classes - 1) / 2;
        public bool Probabilities => ProbA.Length > 0;
        public int ScoreColumns => !Svc || Probabilities ? Classes : Classes > 2 ? Pairs : 2;
    }

    private static Model Read(Node node, int[] shape)
    {
        var (rows, features) = ClassicalModel.Layout(node, shape);
        var (labels, strings) = ClassicalModel.ClassLabels(node, "classlabels_ints", "classlabels_strings");
        if (labels.Length == 0) throw InvalidGraph(node, "it has no class labels (classlabels_ints or classlabels_strings).");
        int classes = labels.Length;
        var vectorsPerClass = (node.GetInts("vectors_per_class") ?? new long[0]).Select(v => (int)v).ToArray();
        var coefficients = ClassicalModel.RequiredFloats(node, "coefficients");
        var rho = ClassicalModel.RequiredFloats(node, "rho");
        var probA = node.GetFloats("prob_a") ?? new float[0];
        var probB = node.GetFloats("prob_b") ?? new float[0];
        if (probA.Length != probB.Length) throw InvalidGraph(node, $"it has {probA.Length} prob_a and {probB.Length} prob_b values.");
        var (kernel, gamma, coef0, degree) = SVMRegressor.KernelOf(node);
        var m = new Model(rows, features, classes, labels, strings, vectorsPerClass, node.GetFloats("support_vectors") ?? new float[0],
            coefficients, rho, probA, probB, ClassicalModel.Transform(node), kernel, gamma, coef0, degree);
        if (m.Svc)
        {
            if (vectorsPerClass.Length != classes || classes < 2)
                throw ShapeError(node, $"it has {vectorsPerClass.Length} vectors_per_class values for {classes} classes (2 or more).");
            if (m.SupportVectors.Length != m.Vectors * features)
                throw ShapeError(node, $"its {m.SupportVectors.Length} support-vector values are not {m.Vectors} vectors × {features} features.");
            if (coefficients.Length != (classes - 1) * m.Vectors || rho.Length != m.Pairs)
                throw ShapeError(node, $"it has {coefficients.Length} coefficients and {rho.Length} rho for {classes} classes and {m.Vectors} vectors ((classes − 1) × vectors and one per class pair expected).");
            if (m.Probabilities && (probA.Length != m.Pairs || classes > PairwiseProbabilityFloat.MaxClasses))
                throw UnsupportedUsage(node, $"its probabilities take {probA.Length} prob_a values for {classes} classes; ModelBaker computes them for one value per class pair and at most {PairwiseProbabilityFloat.MaxClasses} classes.",
                    "Export the classifier without probability estimates (probability=False), or with fewer classes.");
            if (!m.Probabilities && classes == 2 && m.Transform == PostTransform.Probit)
                throw UnsupportedUsage(node, "it has two classes, no probabilities and post_transform PROBIT, for which ONNX Runtime leaves the second score unwritten.",
                    "Use another post_transform.");
            if (classes > ClassLabelFloat.MaxVotingClasses) throw UnsupportedUsage(node, $"it has {classes} classes; votes are counted for {ClassLabelFloat.MaxVotingClasses} at most.", "Use fewer classes.");
        }
        else
        {
            if (coefficients.Length != classes * features) throw ShapeError(node, $"its {coefficients.Length} coefficients are not {classes} classes × {features} features.");
            m = m with { Kernel = SvmKernel.Linear }; // as ONNX Runtime: the linear model ignores kernel_type
            if (classes == 1) ClassicalModel.RequireSingleColumnTransform(node, m.Transform);
        }
        return m;
    }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        ClassicalModel.RequireNumeric(node, graph, 0);
        var m = Read(node, InputShape(node, graph, 0));
        SetOutput(node, graph, 0, ElementType.Int64, new[] { m.Rows });
        SetOutput(node, graph, 1, ElementType.Float32, new[] { m.Rows, m.ScoreColumns });
    }

    /// <summary>How the label is picked from the raw scores (the decision values, or the linear scores).</summary>
    private static (LabelRule Rule, float Threshold, bool Inclusive) Labeling(Model m)
    {
        if (m.Svc) return (LabelRule.Votes, 0f, false);
        if (m.Classes == 2 && !m.Probabilities)
            return m.Coefficients.All(c => c >= 0f) ? (LabelRule.ArgMaxOrSecond, 0.5f, true) : (LabelRule.ArgMaxOrSecond, 0f, false);
        return (LabelRule.ArgMax, 0f, false);
    }

    /// <summary>The widening of two classes' single decision value (SVC without probabilities).</summary>
    private static SecondClass Widening(Model m) =>
        m.Svc && !m.Probabilities && m.Classes == 2 ? (m.Transform == PostTransform.None ? SecondClass.Negation : SecondClass.Complement) : SecondClass.None;

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var m = Read(node, Required(node, inputs, 0).Shape);
        var x = ClassicalModel.FloatValues(node, inputs, 0);
        float[] raw;
        int rawColumns = m.Svc ? m.Pairs : m.Classes;
        if (m.Svc)
        {
            var k = new float[m.Rows * m.Vectors];
            SupportVectorKernelFloat.SupportVectorKernel(x, m.Rows, m.Features, m.SupportVectors, (int)m.Kernel, m.Gamma, m.Coef0, m.Degree, k);
            raw = new float[m.Rows * m.Pairs];
            OneVsOneFloat.OneVsOne(k, m.Rows, m.VectorsPerClass, m.Coefficients, m.Rho, raw);
        }
        else raw = LinearClassifier.Scores(x, m.Rows, m.Features, m.Coefficients, Enumerable.Repeat(m.Rho[0], m.Classes).ToArray());
        var (rule, threshold, inclusive) = Labeling(m);
        var label = new long[m.Rows];
        ClassLabelFloat.ClassLabel(raw, m.Rows, rawColumns, (int)rule, m.Labels, threshold, inclusive, m.Classes, label);
        var scores = raw;
        if (m.Svc && m.Probabilities)
        {
            scores = new float[m.Rows * m.Classes];
            PairwiseProbabilityFloat.PairwiseProbability(raw, m.Rows, m.Classes, m.ProbA, m.ProbB, scores);
            rawColumns = m.Classes;
        }
        var transformed = new float[m.Rows * m.ScoreColumns];
        ScoreTransformFloat.TransformScores(scores, m.Rows, rawColumns, (int)m.Transform, (int)Widening(m), transformed);
        return new[] { Tensor.FromInt64s(new[] { m.Rows }, label), Tensor.FromFloats(new[] { m.Rows, m.ScoreColumns }, transformed) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var m = Read(node, context.Shape(node.Inputs[0]));
        ClassicalModel.RequireLabelIsOutput(node, context, m.Strings);
        var x = ClassicalModel.FloatSlice(node, context, 0);
        string? labelOutput = LinearClassifier.Used(node, context, 0), scoreOutput = LinearClassifier.Used(node, context, 1);
        string name = node.Name;
        int rawColumns = m.Svc ? m.Pairs : m.Classes;
        var raw = new ArenaSlice($"{name} (decision values)", ElementType.Float32, m.Rows * rawColumns, shape: new[] { m.Rows, rawColumns });
        if (m.Svc)
        {
            var kernels = new ArenaSlice($"{name} (kernel values)", ElementType.Float32, m.Rows * m.Vectors, shape: new[] { m.Rows, m.Vectors });
            context.Add(new SupportVectorKernelFloat(node.Describe(), x, kernels, m.Rows, m.Features, m.SupportVectors, m.Kernel, m.Gamma, m.Coef0, m.Degree));
            context.Add(new OneVsOneFloat(node.Describe(), kernels, raw, m.Rows, m.VectorsPerClass, m.Coefficients, m.Rho));
        }
        else
            context.Add(new FullyConnectedFloat(node.Describe(), x, raw, m.Rows, m.Features, m.Features, 1, m.Coefficients,
                Enumerable.Repeat(m.Rho[0], m.Classes).ToArray(), float.NegativeInfinity, float.PositiveInfinity));
        if (labelOutput != null)
        {
            var (rule, threshold, inclusive) = Labeling(m);
            context.Add(new ClassLabelFloat(node.Describe(), raw, context.Slice(labelOutput), m.Rows, rawColumns, rule, m.Labels, threshold, inclusive,
                m.Classes, m.Strings));
        }
        if (scoreOutput == null) return;
        var scores = raw;
        if (m.Svc && m.Probabilities)
        {
            scores = new ArenaSlice($"{name} (probabilities)", ElementType.Float32, m.Rows * m.Classes, shape: new[] { m.Rows, m.Classes });
            context.Add(new PairwiseProbabilityFloat(node.Describe(), raw, scores, m.Rows, m.Classes, m.ProbA, m.ProbB));
            rawColumns = m.Classes;
        }
        context.Add(new ScoreTransformFloat(node.Describe(), scores, context.Slice(scoreOutput), m.Rows, rawColumns, m.Transform, Widening(m)));
    }
}
