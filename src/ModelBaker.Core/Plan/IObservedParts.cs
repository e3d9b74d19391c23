using System.Collections.Generic;

namespace ModelBaker.Core.Plan;

/// <summary>
/// A float step whose output holds several quantities with ranges of their own (a recurrent layer's workspace: its
/// hidden states, its cell states, scratch). Calibration records the range of each part under its key as well as the
/// whole output's, so the step's int8 form can give each quantity its own scale. The keys are in no arena: they name
/// the part <c>[Offset, Offset + Key.Length)</c> of <see cref="Kernel.Output"/>.
/// </summary>
public interface IObservedParts
{
    IReadOnlyList<(ArenaSlice Key, int Offset)> ObservedParts { get; }
}
