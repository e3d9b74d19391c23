using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;
namespace ModelBaker.Tests.Pipeline;
public sealed class ScratchTests
{
    private readonly ITestOutputHelper _o;
    public ScratchTests(ITestOutputHelper o) => _o = o;
    [Fact]
    public void Sweep()
    {
        var inputs = SampleModels.DigitsTestInputs(); var labels = SampleModels.DigitsTestLabels();
        foreach (var p in new[] { Precision.Float32, Precision.Int8 })
        foreach (var s in new[] { 0f, 0.3f, 0.5f, 0.7f })
        {
            var plan = SampleModels.Digits(s, p);
            int c = 0; for (int i = 0; i < inputs.Length; i++) if (SampleModels.ArgMax(PlanInterpreter.Run(plan, new[] { inputs[i] })[0]) == labels[i]) c++;
            _o.WriteLine($"{p} {s}: {100.0 * c / inputs.Length:F2}");
        }
    }
}
