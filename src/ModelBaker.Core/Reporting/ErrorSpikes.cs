using System;
using System.Collections.Generic;
using System.Linq;

namespace ModelBaker.Core.Reporting;

/// <summary>
/// Steps whose output error stands out (docs/compression.md section 7): a relative error above <see cref="Floor"/> that is
/// more than <see cref="Ratio"/> times the median error of the (up to) <see cref="Reach"/> measured steps on each side,
/// or above <see cref="Absolute"/> whatever the neighbours (a step whose output is mostly wrong, even among others like
/// it). Errors below the floor are int8's ordinary rounding and never flagged.
/// </summary>
public static class ErrorSpikes
{
    public const double Floor = 0.1;
    public const double Ratio = 3;
    public const double Absolute = 0.5;
    public const int Reach = 2;

    /// <summary>Per step, whether its error is a spike (null errors — steps with nothing to compare — never are).</summary>
    public static bool[] Find(IReadOnlyList<double?> errors)
    {
        var measured = Enumerable.Range(0, errors.Count).Where(i => errors[i] != null).ToList();
        var spikes = new bool[errors.Count];
        for (int m = 0; m < measured.Count; m++)
        {
            double error = errors[measured[m]]!.Value;
            if (error <= Floor) continue;
            if (error > Absolute) { spikes[measured[m]] = true; continue; }
            var neighbours = measured.Skip(Math.Max(0, m - Reach)).Take(Math.Min(m, Reach)).Concat(measured.Skip(m + 1).Take(Reach))
                .Select(i => errors[i]!.Value).OrderBy(e => e).ToList();
            if (neighbours.Count == 0) continue;
            double median = neighbours.Count % 2 == 1 ? neighbours[neighbours.Count / 2]
                : (neighbours[neighbours.Count / 2 - 1] + neighbours[neighbours.Count / 2]) / 2;
            spikes[measured[m]] = error > Ratio * median;
        }
        return spikes;
    }
}
