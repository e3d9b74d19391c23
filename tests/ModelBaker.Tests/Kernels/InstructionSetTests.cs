using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelBaker.Tests.Kernels;

/// <summary>
/// Generated code picks its vector path when it runs (AVX-VNNI, AVX2, Arm64 SDOT, 128-bit vectors, scalar), so one machine
/// exercises only its best path. These tests run the bit-exactness tests again in child test processes, each with
/// one instruction-set level switched off through the runtime's own configuration knobs.
/// </summary>
public sealed class InstructionSetTests
{
    /// <summary>The bit-exactness tests the children run: kernel paths against the interpreter, random CNNs end to end.</summary>
    private const string BitExactTests = "FullyQualifiedName~ModelBaker.Tests.Kernels.Int8KernelPathTests|FullyQualifiedName~ModelBaker.Tests.Kernels.DotTests"
        + "|FullyQualifiedName~ModelBaker.Tests.Kernels.ChannelsLastTests"
        + "|FullyQualifiedName~ModelBaker.Tests.Kernels.FloatKernelPathTests"
        + "|FullyQualifiedName~ModelBaker.Tests.Codegen.ElementwiseInt8Tests|FullyQualifiedName~ModelBaker.Tests.Codegen.RandomCnnTests.Float_plan"
        + "|FullyQualifiedName~" + nameof(InstructionSetTests) + "." + nameof(The_switched_off_instruction_set_is_off);

    /// <summary>Set in a child to the knob its parent switched off.</summary>
    private const string SwitchedOff = "MODELBAKER_TEST_SWITCHED_OFF";

    public static TheoryData<string> Knobs => RuntimeInformation.ProcessArchitecture is System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.X86
        ? new() { "DOTNET_EnableAVXVNNI", "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic" }
        : new() { "DOTNET_EnableArm64Dp", "DOTNET_EnableHWIntrinsic" };

    [Theory]
    [MemberData(nameof(Knobs))]
    public async Task Bit_exact_tests_pass_with_an_instruction_set_switched_off(string knob)
    {
        if (Environment.GetEnvironmentVariable(SwitchedOff) != null) return; // a child: the parent runs the levels
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "test", typeof(InstructionSetTests).Assembly.Location, "--filter", BitExactTests, "--nologo" })
            start.ArgumentList.Add(argument);
        start.Environment[knob] = "0";
        start.Environment[SwitchedOff] = knob;
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync();
        var errors = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await child.WaitForExitAsync(timeout.Token);
        string printed = await output, problems = await errors;
        Assert.True(child.ExitCode == 0, $"The bit-exactness tests fail with {knob}=0:\n{printed}\n{problems}");
        Assert.Contains("Passed!", printed);
    }

    /// <summary>In a child, the knob must have taken effect, or the run above would test the default path again.</summary>
    [Fact]
    public void The_switched_off_instruction_set_is_off()
    {
        switch (Environment.GetEnvironmentVariable(SwitchedOff))
        {
            case "DOTNET_EnableAVXVNNI": Assert.False(AvxVnni.IsSupported); break;
            case "DOTNET_EnableAVX512": Assert.False(Avx512F.IsSupported); break;
            case "DOTNET_EnableAVX2": Assert.False(Avx2.IsSupported); Assert.True(Vector128.IsHardwareAccelerated); break;
            case "DOTNET_EnableArm64Dp": Assert.False(System.Runtime.Intrinsics.Arm.Dp.IsSupported); Assert.True(Vector128.IsHardwareAccelerated); break;
            case "DOTNET_EnableHWIntrinsic": Assert.False(Vector128.IsHardwareAccelerated); break;
        }
    }
}
