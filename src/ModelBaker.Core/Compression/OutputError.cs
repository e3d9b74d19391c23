using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Interpreter;

namespace ModelBaker.Core.Compression;

/// <summary>
/// How far a float plan's outputs have moved from what they were when this was made: Σ (y − y_before)² over every
/// output of the first <see cref="Samples"/> calibration inputs. Structured pruning measures candidate removals with
/// it on the model as exported, changing its weights, measuring, and putting them back.
/// </summary>
public sealed class OutputError
{
    /// <summary>Enough inputs to rank candidate removals (64 and 256 chose the same on the sample models), few enough to try many.</summary>
    public const int Samples = 64;

    private readonly BakedPlan _plan;
    private readonly List<Array[]> _inputs;
    private readonly List<Array[]> _expected;

    /// <param name="plan">The float plan whose weights the caller changes; its outputs now are the yardstick.</param>
    public OutputError(BakedPlan plan, CalibrationSet calibration)
    {
        _plan = plan;
        _inputs = calibration.Samples().Take(Samples).ToList();
        _expected = _inputs.Select(input => PlanInterpreter.RunTensors(plan, input)).ToList();
    }

    /// <summary>The error with the plan's weights as they are now.</summary>
    public double Measure()
    {
        double error = 0;
        for (int s = 0; s < _inputs.Count; s++)
        {
            var outputs = PlanInterpreter.RunTensors(_plan, _inputs[s]);
            for (int o = 0; o < outputs.Length; o++)
                if (outputs[o] is float[] y && _expected[s][o] is float[] expected)
                    for (int i = 0; i < y.Length; i++) error += (y[i] - (double)expected[i]) * (y[i] - expected[i]);
        }
        return error;
    }
}
