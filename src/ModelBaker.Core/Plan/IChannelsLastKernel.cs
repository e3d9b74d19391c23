using System;
using System.Collections.Generic;

namespace ModelBaker.Core.Plan;

/// <summary>
/// A 4-D activation of a step, [batch, channels, height × width], whose element order the step's channels-last form
/// changes. Neutral when one channel or one pixel makes both orders the same bytes: no layout change is ever needed.
/// </summary>
public sealed record LayoutOperand(ArenaSlice Slice, int Batch, int Channels, int Pixels)
{
    public bool IsNeutral => Channels == 1 || Pixels == 1;
}

/// <summary>
/// An int8 step that also has a channels-last (NHWC) form, which the .NET flavour's layout pass
/// (Compression/ChannelsLastLayout.cs) may choose: convolutions lead (they are faster channels last), pooling
/// and element-wise steps follow whatever layout their inputs arrive in.
/// </summary>
public interface IChannelsLastKernel
{
    /// <summary>The step's 4-D activations (inputs and output) whose layout its channels-last form changes; null when this step (its shape) has no such form.</summary>
    IReadOnlyList<LayoutOperand>? LayoutOperands { get; }

    /// <summary>Whether the step is worth a layout change by itself (true), or runs channels last only when its input already is.</summary>
    bool LeadsChannelsLast { get; }

    /// <summary>The same step on channels-last data, every slice of <see cref="LayoutOperands"/> replaced by <paramref name="slice"/>'s choice.</summary>
    Kernel ToChannelsLast(Func<ArenaSlice, ArenaSlice> slice);
}
