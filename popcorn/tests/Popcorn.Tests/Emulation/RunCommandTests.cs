using Popcorn.Tests.Corpus;

namespace Popcorn.Tests.Emulation;

/// <summary><c>popcorn run</c> as a user runs it: the program's streams and exit code, popcorn's messages apart.</summary>
[Integration]
public sealed class RunCommandTests
{
    [Fact(Timeout = 120_000)]
    public async Task A_fault_exits_128_plus_the_signal_with_the_message_on_stderr_not_stdout()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var elf = await GuestPrograms.BuildFreestandingAsync("faults", cancellationToken);
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["run", "--isa", "riscv64", elf, "--", "u"], cancellationToken);
        Assert.Equal(132, code);
        Assert.Equal("before", stdout.Trim());
        Assert.Contains("popcorn: illegal instruction 0x0000707f", stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task The_exit_code_is_forwarded_and_log_takes_popcorns_messages()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var elf = await GuestPrograms.BuildFreestandingAsync("faults", cancellationToken);
        using var temp = new TempDirectory();
        var log = temp.Combine("popcorn.log");
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["run", elf, "--log", log, "--stats"], cancellationToken);
        Assert.Equal(37, code);
        Assert.Equal("before", stdout.Trim());
        Assert.Equal("", stderr.Trim());
        Assert.Contains("riscv64:", await File.ReadAllTextAsync(log, cancellationToken), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task Standard_input_and_host_files_reach_the_guest_as_under_qemu()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var elf = await GuestPrograms.BuildFreestandingAsync("io", cancellationToken);
        using var temp = new TempDirectory();
        var file = temp.Combine("data.txt");
        await File.WriteAllTextAsync(file, "file contents\nsecond line\n", cancellationToken);
        var expected = await ChildProcess.RunAsync("qemu-riscv64", [elf, file], cancellationToken, standardInput: "hello, guest\n");
        var (code, stdout, _) = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["run", elf, "--", file], cancellationToken, standardInput: "hello, guest\n");
        Assert.Equal(0, expected.ExitCode);
        Assert.Equal(0, code);
        Assert.StartsWith("HELLO, GUEST\n", stdout, StringComparison.Ordinal);
        Assert.Equal(expected.Stdout, stdout);
    }

    /// <summary>scanf reads standard input through the stream's buffer on both nodes and leaves the character that
    /// ended a conversion for the next one; the corpus run (no input) sees only the end of file.</summary>
    [Theory(Timeout = 120_000)]
    [InlineData("aarch64")]
    [InlineData("riscv64")]
    public async Task Scanf_reads_numbers_from_standard_input_until_one_does_not_convert(string isa)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var binary = CorpusBuilds.Get("libc", 1).MultiIsaPath;
        var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["run", "--isa", isa, binary], cancellationToken,
            standardInput: "12\n -5 +16\n\t40 x7\n");
        Assert.True(code == 0, stderr);
        Assert.EndsWith("stdin 4 numbers, total 63, then not a number\n", stdout, StringComparison.Ordinal);
    }
}
