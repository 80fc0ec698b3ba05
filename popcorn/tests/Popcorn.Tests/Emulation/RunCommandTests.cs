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

    /// <summary>Standard output into a pipe is fully buffered, as glibc makes it (isatty asks TCGETS, which only a
    /// terminal answers): a write(2) comes out before the printf calls around it, as natively. It was always
    /// line-buffered, so programs that mix the two printed in another order than the same program built for the
    /// host.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Standard_output_into_a_pipe_is_fully_buffered_as_glibc_makes_it()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        CorpusBuilds.ConfigureRuntime();
        using var temp = new TempDirectory("popcorn-run");
        await File.WriteAllTextAsync(temp.Combine("mixed.c"), """
            #include <stdio.h>
            #include <unistd.h>
            int main(void) { printf("printf 1\n"); write(1, "write\n", 6); printf("printf 2 tty %d %d\n", isatty(1), isatty(42)); return 0; }
            """, cancellationToken);
        var cc = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["cc", temp.Combine("mixed.c"), "-o", temp.Combine("mixed")], cancellationToken);
        Assert.True(cc.ExitCode == 0, cc.Stderr);
        foreach (var isa in new[] { "aarch64", "riscv64" })
        {
            var (code, stdout, stderr) = await ChildProcess.RunDotnetAsync("Popcorn.Cli", ["run", "--isa", isa, temp.Combine("mixed")], cancellationToken);
            Assert.True(code == 0, stderr);
            Assert.Equal("write\nprintf 1\nprintf 2 tty 0 0\n", stdout);
        }
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
