using System.Collections.Generic;
using System.Linq;

namespace ModelBaker.Core.Reporting;

/// <summary>The settings no other beats on both counts: none is as small and as accurate and better at one of them.</summary>
public static class ParetoFront
{
    /// <returns>For each (bytes, drop), whether it is on the front. Equal points are both on it.</returns>
    public static bool[] Of(IReadOnlyList<(long Bytes, double Drop)> points) =>
        points.Select(p => !points.Any(q => q.Bytes <= p.Bytes && q.Drop <= p.Drop && (q.Bytes < p.Bytes || q.Drop < p.Drop))).ToArray();
}
