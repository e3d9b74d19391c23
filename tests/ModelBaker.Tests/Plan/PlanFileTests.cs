using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Serialization;

namespace ModelBaker.Tests.Plan;

public sealed class PlanFileTests
{
    [Theory]
    [InlineData(Core.Options.Precision.Int8)]
    [InlineData(Core.Options.Precision.Float32)]
    public void Plans_round_trip_byte_for_byte_and_generate_the_same_code(Core.Options.Precision precision)
    {
        var plan = SampleModels.Digits(0.5f, precision);
        byte[] bytes = PlanFile.ToBytes(plan);
        var read = PlanFile.Read(bytes);
        Assert.Equal(bytes, PlanFile.ToBytes(read));
        Assert.Equal(ClassEmitter.Emit(plan), ClassEmitter.Emit(read));
    }

    [Fact]
    public void Another_format_version_is_refused_as_a_version_mismatch()
    {
        byte[] bytes = PlanFile.ToBytes(SampleModels.Digits());
        bytes[6] = PlanFile.FormatVersion + 1; // the int32 after the 6-byte magic
        var e = Assert.Throws<PlanFormatException>(() => PlanFile.Read(bytes));
        Assert.True(e.VersionMismatch);
        Assert.Contains($"version {PlanFile.FormatVersion + 1}", e.Message);
    }

    [Fact]
    public void Truncated_or_foreign_files_are_refused()
    {
        byte[] bytes = PlanFile.ToBytes(SampleModels.Digits());
        Assert.Contains("truncated", Assert.Throws<PlanFormatException>(() => PlanFile.Read(bytes.Take(bytes.Length - 5).ToArray())).Message);
        Assert.Contains("magic", Assert.Throws<PlanFormatException>(() => PlanFile.Read(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 })).Message);
    }

    [Fact]
    public void Write_atomically_replaces_an_existing_plan_and_leaves_no_temporary_files()
    {
        string folder = Path.Combine(Path.GetTempPath(), "modelbaker-plan-" + Guid.NewGuid().ToString("N"));
        string path = Path.Combine(folder, "digits.mbake");
        AtomicFile.Write(path, PlanFile.ToBytes(SampleModels.Digits(0.5f)));
        AtomicFile.Write(path, PlanFile.ToBytes(SampleModels.Digits(0.5f, Core.Options.Precision.Float32)));
        Assert.Equal(PlanFile.ToBytes(SampleModels.Digits(0.5f, Core.Options.Precision.Float32)), File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(folder));
        Directory.Delete(folder, true);
    }
}
