using System.Threading.Tasks;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;

namespace ModelBaker.Tests.Codegen;

/// <summary>The generated class is the product: it must agree with the reference interpreter bit for bit and allocate nothing.</summary>
public sealed class GeneratedCodeTests
{
    private static readonly Lazy<GeneratedAssembly> Int8Digits = new(() =>
        GeneratedAssembly.Compile(ClassEmitter.Emit(SampleModels.Digits(0.5f)), "Samples.DigitsMlp"));

    private static readonly Lazy<GeneratedAssembly> FloatDigits = new(() =>
        GeneratedAssembly.Compile(ClassEmitter.Emit(SampleModels.Digits(0.5f, Precision.Float32)), "Samples.DigitsMlp"));

    [Theory]
    [InlineData(Precision.Int8)]
    [InlineData(Precision.Float32)]
    public void Generated_predict_is_bit_identical_to_the_plan_interpreter_on_every_test_digit(Precision precision)
    {
        var plan = SampleModels.Digits(0.5f, precision);
        var generated = precision == Precision.Int8 ? Int8Digits.Value : FloatDigits.Value;
        foreach (var input in SampleModels.DigitsTestInputs())
        {
            var expected = PlanInterpreter.Run(plan, new[] { input })[0];
            var actual = generated.Predict(input, expected.Length);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void Scalar_and_vectorised_builds_of_the_generated_code_agree_bit_for_bit()
    {
        var plan = SampleModels.Digits(0.5f);
        var scalar = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), "Samples.DigitsMlp", vectorized: false);
        foreach (var input in SampleModels.DigitsTestInputs().Take(50))
            Assert.Equal(scalar.Predict(input, 10), Int8Digits.Value.Predict(input, 10));
    }

    [Theory]
    [InlineData(Precision.Int8)]
    [InlineData(Precision.Float32)]
    public void Predict_allocates_nothing(Precision precision)
    {
        var generated = precision == Precision.Int8 ? Int8Digits.Value : FloatDigits.Value;
        var input = SampleModels.DigitsTestInputs()[0];
        Assert.Equal(0, generated.AllocatedBytes(input, new float[10], calls: 1000));
    }

    [Theory]
    [InlineData(63, 10)]
    [InlineData(65, 10)]
    [InlineData(64, 9)]
    [InlineData(64, 11)]
    public void Wrong_lengths_throw_argument_exception(int inputLength, int outputLength)
    {
        var e = Assert.Throws<ArgumentException>(() => Int8Digits.Value.Predict(new float[inputLength], new float[outputLength]));
        Assert.Contains(inputLength != 64 ? "'pixels'" : "'logits'", e.Message);
    }

    [Fact]
    public void Generated_source_is_deterministic()
    {
        var a = ClassEmitter.Emit(Baker.Bake(SampleModels.DigitsOptions(), new RecordingLog()));
        var b = ClassEmitter.Emit(Baker.Bake(SampleModels.DigitsOptions(), new RecordingLog()));
        Assert.Equal(a, b);
    }

    [Fact]
    public void Generated_source_does_not_depend_on_the_machine_culture()
    {
        var plan = SampleModels.Digits(0.5f);
        string invariant = ClassEmitter.Emit(plan);
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            var odd = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.GetCultureInfo("de-DE").Clone();
            odd.NumberFormat.NegativeSign = "\u2212";
            System.Globalization.CultureInfo.CurrentCulture = odd;
            Assert.Equal(invariant, ClassEmitter.Emit(plan));
        }
        finally { System.Globalization.CultureInfo.CurrentCulture = saved; }
    }

    [Fact]
    public void Predict_is_thread_safe()
    {
        var inputs = SampleModels.DigitsTestInputs();
        var plan = SampleModels.Digits(0.5f);
        var expected = inputs.Select(i => PlanInterpreter.Run(plan, new[] { i })[0]).ToArray();
        Parallel.For(0, 8, worker =>
        {
            var output = new float[10];
            for (int round = 0; round < 20; round++)
                for (int i = worker; i < inputs.Length; i += 8)
                {
                    Int8Digits.Value.Predict(inputs[i], output);
                    Assert.Equal(expected[i], output);
                }
        });
    }
}
