using ModelBaker.Core.Compression;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Compression;

/// <summary>
/// Layer reconstruction at scale (docs/compression.md, "Reconstruction on big layers"): sums gathered in parallel
/// blocks that equal the one-patch-at-a-time loop bit for bit, units solved in parallel, conjugate gradients for units
/// that keep too many weights to factorize, and progress told per layer.
/// </summary>
public sealed class ReconstructionScaleTests
{
    /// <summary>
    /// A 3×3 convolution of 128 input channels (1,152 weights per output channel): at Sparsity 0.5 every channel keeps
    /// 576 weights, more than <see cref="LayerReconstruction.MaxExactWeights"/>, so it is refit by conjugate gradients,
    /// its units spread over the cores. Two bakes give the same plan, byte for byte.
    /// </summary>
    [Fact]
    public void A_parallel_bake_with_conjugate_gradients_gives_the_same_plan_bytes_every_time()
    {
        using var folder = new TempFolder();
        var log = new RecordingLog();
        var (graph, options) = WideConvolution(folder);
        var first = PlanFile.ToBytes(Baker.Bake(graph(), "0", options, log));
        var second = PlanFile.ToBytes(Baker.Bake(graph(), "0", options, new RecordingLog()));

        Assert.Equal(first, second);
        Assert.Contains(log.Messages, m => m.Contains("16 of 16 units refit on 288 patches of 1152 weights (16 by conjugate gradients)"));
    }

    /// <summary>Each refit layer is reported as it is done: a long reconstruction is never silent.</summary>
    [Fact]
    public void Reconstruction_reports_each_layer_as_it_goes()
    {
        var log = new RecordingLog();
        Baker.Bake(SampleModels.DigitsOptions(0.5f, Precision.Float32), log);

        var progress = log.Messages.Where(m => m.Contains(": reconstruction ")).ToList();
        Assert.Equal(3, progress.Count);
        for (int i = 0; i < 3; i++) Assert.Contains($"reconstruction {i + 1}/3: ", progress[i]);
        Assert.All(progress, m => Assert.Matches(@"(\d+ of \d+ units refit on [\d,]+ patches of \d+ weights|nothing pruned)$", m));
        Assert.Contains(progress, m => m.EndsWith(" weights", StringComparison.Ordinal));
    }

    /// <summary>
    /// Conjugate gradients against the exact solve (Cholesky) on one unit's masked system, built like a layer's: 300
    /// correlated patches of 600 weights (fewer patches than weights, as in ResNet-18's last stage), ridge λ =
    /// 10⁻³ × the mean diagonal, started from the pruned weights. Within <see cref="MaskedConjugateGradient.MaxIterations"/>
    /// the objective wᵀHw − 2rᵀw gets within 2 % of the exact solve's improvement over the start, with the products
    /// through H or through the patches, and a unit's result does not depend on the batch it is solved in.
    /// </summary>
    [Fact]
    public void Conjugate_gradients_come_within_two_percent_of_the_exact_solve()
    {
        const int depth = 600, patches = 300;
        var random = new Random(5);
        var basis = Enumerable.Range(0, 40).Select(_ => Enumerable.Range(0, depth).Select(_ => Gaussian(random)).ToArray()).ToArray();
        // Patches from a few shared directions plus noise, ReLU'd: correlated and non-negative, like activations.
        var rows = Enumerable.Range(0, patches).Select(_ =>
        {
            var mix = basis.Select(_ => Gaussian(random)).ToArray();
            return Enumerable.Range(0, depth).Select(k => Math.Max(0f, mix.Select((m, b) => m * basis[b][k]).Sum() * 0.2f + 0.3f * Gaussian(random))).ToArray();
        }).ToList();
        var truth = Enumerable.Range(0, depth).Select(_ => Gaussian(random)).ToArray();
        var keep = Enumerable.Range(0, depth).Where(k => Math.Abs(truth[k]) > 0.6).ToArray(); // about half kept
        int size = keep.Length + 1, full = depth + 1;

        // H and r over [patch, 1] as reconstruction makes them, then the kept rows and columns.
        var h = new double[full, full];
        var rhs = new double[full];
        foreach (var patch in rows)
        {
            var z = patch.Select(v => (double)v).Append(1).ToArray();
            double y = Enumerable.Range(0, depth).Sum(k => truth[k] * patch[k]) + 0.5;
            for (int i = 0; i < full; i++)
            {
                rhs[i] += z[i] * y;
                for (int j = 0; j < full; j++) h[i, j] += z[i] * z[j];
            }
        }
        double lambda = LayerReconstruction.RelativeRidge * Enumerable.Range(0, depth).Average(i => h[i, i]);
        for (int i = 0; i < depth; i++)
        {
            h[i, i] += lambda;
            rhs[i] += lambda * truth[i];
        }
        var a = new double[size * size];
        var a2 = new double[size, size];
        var b = new double[size];
        var start = new double[size];
        for (int i = 0; i < size; i++)
        {
            int row = i < keep.Length ? keep[i] : depth;
            b[i] = rhs[row];
            start[i] = i < keep.Length ? truth[row] : 0;
            for (int j = 0; j < size; j++) a[i * size + j] = a2[i, j] = h[row, j < keep.Length ? keep[j] : depth];
        }
        double Objective(double[] x) =>
            Enumerable.Range(0, size).Sum(i => x[i] * Enumerable.Range(0, size).Sum(j => a[i * size + j] * x[j]) - 2 * b[i] * x[i]);

        var exact = Cholesky.Solve(a2, b)!;
        double gain = Objective(start) - Objective(exact);
        Assert.True(gain > 0);
        // Full-length vectors, as reconstruction passes them: the pruned weights at their indices, the bias last.
        var fullStart = new double[full];
        foreach (int k in keep) fullStart[k] = truth[k];
        // Through H, and through the patches; alone, and in a batch with other units (which must not change it).
        var other = Enumerable.Range(0, depth).Where(k => k % 3 == 0).ToArray();
        foreach (var solver in new[] { new BatchedConjugateGradient(h, null), new BatchedConjugateGradient(h, rows) })
        {
            var alone = solver.Solve(new[] { keep }, new[] { rhs }, new[] { fullStart }, MaskedConjugateGradient.MaxIterations, MaskedConjugateGradient.Tolerance)[0];
            var batched = solver.Solve(new[] { other, keep }, new[] { rhs, rhs }, new[] { fullStart, fullStart },
                MaskedConjugateGradient.MaxIterations, MaskedConjugateGradient.Tolerance)[1];
            Assert.Equal(alone, batched);
            Assert.All(Enumerable.Range(0, depth).Except(keep), k => Assert.Equal(0, alone[k]));
            var iterative = keep.Select(k => alone[k]).Append(alone[depth]).ToArray();
            Assert.InRange((Objective(iterative) - Objective(exact)) / gain, 0, 0.02);
        }
    }

    /// <summary>
    /// The Gram matrix and right-hand sides gathered in blocks, panels and threads equal, bit for bit, the loop they
    /// replace: one patch at a time, G[i, j] += zᵢ·zⱼ over the lower triangle, targets bias + Σ w·x (float products summed
    /// in double), rhs += z·target. Patches have zeros (ReLU, padding) and more rows than a block.
    /// </summary>
    [Fact]
    public void Blocked_parallel_sums_equal_the_sequential_loop_bit_for_bit()
    {
        const int depth = 37, referenceDepth = 29, teacherUnits = 11, count = 3 * NormalEquations.BlockRows + 17;
        var random = new Random(9);
        float Value() => random.Next(4) == 0 ? 0f : Gaussian(random) * 3;
        var patches = Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, depth).Select(_ => Value()).ToArray()).ToList();
        var references = Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, referenceDepth).Select(_ => Value()).ToArray()).ToList();
        var weights = Enumerable.Range(0, teacherUnits * referenceDepth).Select(_ => Gaussian(random)).ToArray();
        var bias = Enumerable.Range(0, teacherUnits).Select(_ => Gaussian(random)).ToArray();
        int[] teacherRows = { 3, 0, 10, 7, 7, 1 };

        var sums = new NormalEquations(depth, weights, bias, referenceDepth, teacherRows);
        for (int p = 0; p < count; p++) sums.Add(patches[p], references[p]);
        sums.Flush();

        var gram = new double[depth + 1, depth + 1];
        var rhs = new double[teacherRows.Length, depth + 1];
        for (int p = 0; p < count; p++)
        {
            var patch = patches[p];
            for (int i = 0; i < depth; i++)
            {
                double pi = patch[i];
                if (pi == 0) continue;
                for (int j = 0; j <= i; j++) gram[i, j] += pi * patch[j];
                gram[depth, i] += pi;
            }
            gram[depth, depth] += 1;
            for (int u = 0; u < teacherRows.Length; u++)
            {
                int m = teacherRows[u];
                double target = bias[m];
                for (int k = 0; k < referenceDepth; k++) target += weights[m * referenceDepth + k] * references[p][k];
                for (int k = 0; k < depth; k++) rhs[u, k] += patch[k] * target;
                rhs[u, depth] += target;
            }
        }
        for (int i = 0; i <= depth; i++)
            for (int j = 0; j <= i; j++) Assert.Equal(BitConverter.DoubleToInt64Bits(gram[i, j]), BitConverter.DoubleToInt64Bits(sums.Gram[i * sums.Stride + j]));
        for (int u = 0; u < teacherRows.Length; u++)
            for (int k = 0; k <= depth; k++) Assert.Equal(BitConverter.DoubleToInt64Bits(rhs[u, k]), BitConverter.DoubleToInt64Bits(sums.Rhs[u * (depth + 1) + k]));
    }

    /// <summary>Input [1, 128, 6, 6] → Conv 3×3, 128 → 16, padding 1; 8 random calibration samples; int8, Sparsity 0.5 uniform.</summary>
    private static (Func<Core.Ir.Graph> Graph, BakeOptions Options) WideConvolution(TempFolder folder)
    {
        var random = new Random(3);
        var weights = Enumerable.Range(0, 16 * 128 * 9).Select(_ => Gaussian(random) * 0.05f).ToArray();
        var bias = Enumerable.Range(0, 16).Select(_ => Gaussian(random) * 0.1f).ToArray();
        string calibration = folder.Path("calibration.npy");
        Npy.Write(calibration, Enumerable.Range(0, 8)
            .Select(_ => Enumerable.Range(0, 128 * 36).Select(_ => Math.Max(0f, Gaussian(random))).ToArray()).ToArray());
        Core.Ir.Graph Build() => new GraphBuilder()
            .Input("x", 1, 128, 6, 6)
            .Constant("w", T.F(T.S(16, 128, 3, 3), weights))
            .Constant("b", T.F(T.S(16), bias))
            .Node("Conv", new[] { "x", "w", "b" }, new[] { "y" }, GraphBuilder.Ints("kernel_shape", 3, 3), GraphBuilder.Ints("pads", 1, 1, 1, 1))
            .Output("y").Graph;
        return (Build, new BakeOptions("wide.onnx", "Wide", "Tests")
        {
            Sparsity = 0.5f, Pruning = PruningMode.Uniform, CalibrationPath = calibration,
        });
    }

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
