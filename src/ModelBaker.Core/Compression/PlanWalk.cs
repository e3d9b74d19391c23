using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// A float plan run on every calibration sample at once, one step at a time, up to the layer asked for: each sample
/// keeps its arena, so reconstruction runs each network once in all instead of once per layer, and a layer changed
/// in the meantime (refit) runs with its new weights when the walk passes it. Samples run in parallel, each in its
/// own arena, so what a sample computes does not depend on the threads.
/// </summary>
internal sealed class PlanWalk
{
    private readonly BakedPlan _plan;
    private readonly IReadOnlyList<Array[]> _samples;
    private PlanArena[]? _arenas;
    private int _next; // the first step not run yet

    public PlanWalk(BakedPlan plan, IReadOnlyList<Array[]> samples)
    {
        _plan = plan;
        _samples = samples;
    }

    /// <summary>Runs every step before <paramref name="layer"/> (not yet run) and returns its input tensor, one copy per sample.</summary>
    public float[][] InputsOf(IWeightedKernel layer)
    {
        int index = -1;
        for (int i = 0; i < _plan.Kernels.Count; i++)
            if (ReferenceEquals(_plan.Kernels[i], layer)) { index = i; break; }
        if (index < 0) throw new ArgumentException($"{layer.Source} is not a step of the plan.", nameof(layer));
        if (_arenas == null || index < _next)
        {
            _arenas = _samples.Select(_ => new PlanArena(_plan.ArenaLengths)).ToArray();
            Parallel.For(0, _samples.Count, s => PlanInterpreter.Load(_plan, _samples[s], _arenas[s]));
            _next = 0;
        }
        var inputs = new float[_samples.Count][];
        int from = _next;
        Parallel.For(0, _samples.Count, s =>
        {
            var arena = _arenas[s];
            for (int i = from; i < index; i++) PlanInterpreter.Step(_plan.Kernels[i], arena);
            inputs[s] = arena.Floats(layer.Input).ToArray();
        });
        _next = index;
        return inputs;
    }
}
