using System.Collections.Generic;

namespace ModelBaker.Core.Reporting;

/// <summary>
/// What automatic recovery measured and did (docs/compression.md, "Automatic recovery"): the data that judged the
/// bake, the budget, every step tried with its measured drop and build time, and which step's model was kept.
/// </summary>
/// <param name="JudgedOn">"validation" (the Validation inputs) or "held-back calibration" (every k-th calibration sample).</param>
/// <param name="Samples">How many samples judged each step.</param>
/// <param name="HoldBackEvery">k when calibration samples were held back, else 0.</param>
/// <param name="Budget">The allowed drop in points (MaxAccuracyDrop, or the default).</param>
/// <param name="Kept">Index into <paramref name="Steps"/> of the model baked; the first step within budget.</param>
public sealed record RecoveryReport(string JudgedOn, int Samples, int HoldBackEvery, double Budget, bool DefaultBudget,
    IReadOnlyList<RecoveryStep> Steps, int Kept)
{
    public RecoveryStep KeptStep => Steps[Kept];

    /// <summary>Whether any step beyond the requested settings was tried.</summary>
    public bool Escalated => Steps.Count > 1;
}

/// <param name="Name">"as requested", "reconstruction", "network distillation", "relieve …".</param>
/// <param name="Settings">The settings the step baked with, as metadata a user can pin.</param>
/// <param name="Drop">Points lost against the float model on the judging samples.</param>
/// <param name="Seconds">Build time the step cost (compression, quantization and measurement).</param>
public sealed record RecoveryStep(string Name, string Settings, double Drop, double Seconds, bool WithinBudget);
