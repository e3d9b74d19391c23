using System;
using System.Linq;

namespace ModelBaker.Core.Compression;

/// <summary>What head and network distillation share: the softened softmax and Adam's update.</summary>
internal static class DistillationMath
{
    /// <summary>softmax(logits / T), shifted by the largest logit so that no exponent overflows.</summary>
    public static double[] Softmax(double[] logits, double temperature)
    {
        double max = logits.Max();
        var e = logits.Select(z => Math.Exp((z - max) / temperature)).ToArray();
        double sum = e.Sum();
        return e.Select(x => x / sum).ToArray();
    }

    /// <summary>
    /// One Adam step (β₁ 0.9, β₂ 0.999, bias-corrected) of size <paramref name="rate"/> on every parameter whose
    /// <paramref name="tuned"/> flag is set (all when null); <paramref name="t"/> counts steps from 1.
    /// </summary>
    public static void Adam(double[] theta, double[] gradient, double[] m, double[] v, double rate, int t, bool[]? tuned = null)
    {
        const double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-12;
        double correction1 = 1 - Math.Pow(beta1, t), correction2 = 1 - Math.Pow(beta2, t);
        for (int i = 0; i < theta.Length; i++)
        {
            if (tuned != null && !tuned[i]) continue;
            m[i] = beta1 * m[i] + (1 - beta1) * gradient[i];
            v[i] = beta2 * v[i] + (1 - beta2) * gradient[i] * gradient[i];
            theta[i] -= rate * (m[i] / correction1) / (Math.Sqrt(v[i] / correction2) + epsilon);
        }
    }
}
