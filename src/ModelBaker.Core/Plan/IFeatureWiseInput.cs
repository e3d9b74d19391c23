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
}
