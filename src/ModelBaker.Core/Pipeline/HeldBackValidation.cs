using System;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Diagnostics;

namespace ModelBaker.Core.Pipeline;

/// <summary>
/// Validation data taken from the calibration data when no <c>Validation</c> is given: every fifth sample (the 5th,
/// 10th, …) is held back from calibration and reconstruction, so the bake is judged on inputs it did not fit. Every
/// fifth rather than the last fifth, because data sets are often sorted (by class, by recording).
/// </summary>
public static class HeldBackValidation
{
    /// <summary>One sample in this many is held back.</summary>
    public const int Every = 5;

    /// <summary>Fewer held-back samples than this judge nothing (each would be worth more than 5 points).</summary>
    public const int MinimumHeldBack = 20;

    public static bool IsHeldBack(int index) => index % Every == Every - 1;

    /// <summary>The samples to fit on and the samples held back to judge with (MB1413 when too few would be held back).</summary>
    public static (CalibrationSet Fit, CalibrationSet HeldBack) Split(CalibrationSet calibration, string model, string calibrationPath)
    {
        int heldBack = calibration.Count / Every;
        if (heldBack < MinimumHeldBack)
            throw new BakeException(ErrorCodes.TooFewSamplesToHoldBack,
                $"{model}: without Validation, one calibration sample in {Every} is held back to measure the compressed model on, but '{calibrationPath}' has {calibration.Count} samples, so only {heldBack} would be held back (at least {MinimumHeldBack} are needed). " +
                $"Add Validation=\"…\" with inputs the bake does not fit, or give at least {MinimumHeldBack * Every} calibration samples.");
        return (calibration.Where(i => !IsHeldBack(i)), calibration.Where(IsHeldBack));
    }
}
