namespace ModelBaker.Core.Plan;

/// <summary>
/// A float step that reads its input feature by feature (the last axis: feature f of element i is i mod FeatureCount)
/// and whose int8 form can take that input with one scale and zero point per feature (a tree ensemble compares each
/// feature with its own thresholds). A model input read only by such steps is quantized per feature (docs/classical-ml.md#int8).
/// </summary>
public interface IFeatureWiseInput
{
    ArenaSlice FeatureInput { get; }
    int FeatureCount { get; }

    /// <summary>
    /// Whether a NaN feature decides something in this step (a tree's missing-value tracking), so that an input only such
    /// steps read keeps NaN apart in int8: −128 codes it and the reals take −127…127 (<see cref="PlanTensor.MissingCode"/>).
    /// </summary>
    bool TellsMissingApart { get; }
}
