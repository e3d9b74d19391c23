using System;

namespace ModelBaker.Core.Reporting;

/// <summary>
/// How much accuracy a bake may lose against the float model before automatic recovery escalates (and, when nothing
/// recovers, the build fails with MB1403). The one place that decides "too much": a measure for other kinds of outputs
/// replaces <see cref="Exceeded"/>.
/// </summary>
/// <param name="Points">Points of top-1 (of agreement with the float model when there are no labels).</param>
/// <param name="IsDefault">No MaxAccuracyDrop was given: the budget is <see cref="DefaultPoints"/>. It is the same
/// on few samples: on 40 held-back samples one disagreement (2.5 points) exceeds it. An earlier default let one
/// sample through as noise; on the zoo's tuning half that let a model through that lost 4 points on its test set
/// (docs/compression.md, "Model zoo"), while escalating on it cost a few seconds.</param>
public sealed record QualityBudget(double Points, bool IsDefault)
{
    /// <summary>The budget when MaxAccuracyDrop is not set: 1 point of top-1 agreement (docs/compression.md).</summary>
    public const double DefaultPoints = 1;

    public static QualityBudget Default { get; } = new(DefaultPoints, IsDefault: true);

    /// <summary>The largest drop in points the budget lets through on <paramref name="samples"/> samples.</summary>
    public double Allowed(int samples) => Points;

    /// <summary>Whether <paramref name="result"/> lost more than the budget allows.</summary>
    public bool Exceeded(AccuracyResult result) => result.Drop > Allowed(result.Samples) + 1e-9;
}
