using Serval.Binary;
using Serval.Memory;
using Serval.RiscV;
using Serval.Symbolic;
using Systems.RiscV;

namespace Serval.Tests.RiscV;

public sealed class InterpreterTests
{
    private const ulong StackBase = 0x7ff0_0000;
    private const ulong StackSize = 0x10000;

    [Theory, Integration]
    [InlineData("-O0", "rv64ima")]
    [InlineData("-O2", "rv64imac")]
    public async Task Edge_value_program_matches_qemu_byte_for_byte(string optimization, string march)
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("riscv-diff");
        var program = dir.Combine("edge");
        var compiled = await ChildProcess.RunAsync("riscv64-linux-gnu-gcc",
            [$"-march={march}", "-mabi=lp64", "-static", "-nostdlib", "-ffreestanding", "-fno-stack-protector", "-mno-relax",
             "-Wl,--build-id=none", optimization, "-o", program, RiscVTools.AssetPath("edge-values.c")], token);
        Assert.True(compiled.ExitCode == 0, compiled.Stderr);
        var qemu = await RunQemuAsync("qemu-riscv64", program, token);

        var ours = RunUserProgram(ElfImage.Load(program), ["results", "accumulator"]);

        Assert.Equal(qemu.Length, ours.Length);
        var firstDifference = Enumerable.Range(0, qemu.Length).FirstOrDefault(i => qemu[i] != ours[i], -1);
        Assert.True(firstDifference < 0, $"outputs differ first at byte {firstDifference} (result {firstDifference / 8})");
    }

    [Theory, Integration]
    [InlineData("-O0")]
    [InlineData("-O2")]
    public async Task Rv32_edge_value_program_built_by_clang_matches_qemu_riscv32(string optimization)
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("riscv32-diff");
        var program = dir.Combine("edge32");
        var compiled = await ChildProcess.RunAsync("clang-19",
            ["--target=riscv32-unknown-elf", "-march=rv32ima", "-mabi=ilp32", "-nostdlib", "-static", "-ffreestanding",
             "-fno-stack-protector", "-mno-relax", "-fuse-ld=lld", optimization, "-o", program, RiscVTools.AssetPath("edge-values-32.c")], token);
        Assert.True(compiled.ExitCode == 0, compiled.Stderr);
        var qemu = await RunQemuAsync("qemu-riscv32", program, token);

        var image = ElfImage.Load(program);
        Assert.False(image.Is64Bit);
        var ours = RunUserProgram(image, ["results", "inputs"]);

        Assert.Equal(qemu.Length, ours.Length);
        var firstDifference = Enumerable.Range(0, qemu.Length).FirstOrDefault(i => qemu[i] != ours[i], -1);
        Assert.True(firstDifference < 0, $"outputs differ first at byte {firstDifference} (result {firstDifference / 4})");
    }

    [Fact(Timeout = 120_000), Integration]
    public async Task Privileged_behaviour_matches_qemu_system_on_bare_metal()
    {
        // CSR read-modify-write, writes to read-only CSRs, ecall from M, S and U, delegation of U's ecall to S, sret,
        // an illegal CSR access from U, ebreak: every cause, epc, tval and status field the program observes, against
        // QEMU's virt machine.
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("riscv-privileged");
        var program = dir.Combine("privileged.elf");
        var built = await ChildProcess.RunAsync("riscv64-linux-gnu-gcc",
            ["-march=rv64ima_zicsr", "-mabi=lp64", "-nostdlib", "-static", "-Wl,-Ttext=0x80000000", "-Wl,--no-warn-rwx-segments",
             "-Wl,--build-id=none", "-o", program, RiscVTools.AssetPath("privileged.S")], token);
        Assert.True(built.ExitCode == 0, built.Stderr);
        var qemu = await ChildProcess.RunAsync("qemu-system-riscv64",
            ["-machine", "virt", "-bios", "none", "-kernel", program, "-nographic", "-monitor", "none", "-serial", "stdio"], token);
        Assert.True(qemu.ExitCode == 0, qemu.Stderr);
        var expected = qemu.Stdout.Trim();

        var image = ElfImage.Load(program);
        var results = image.Symbol("results");
        var memory = new StructuredMemory([MemoryRegion.Zeroed(new RegionLayout("results", results.Address, RegionLayout.Untyped(results.Size)))],
            (address, size) =>
            {
                Span<byte> bytes = stackalloc byte[8];
                return image.TryRead(address, bytes[..size]) ? BitConverter.ToUInt64(bytes) : null;
            });
        var csrs = MachineState.ModelledCsrs.ToDictionary(c => c, _ => BitVec.Of(0, 64));
        var state = new MachineState(Xlen.Rv64, image.Entry, [.. Enumerable.Repeat(BitVec.Of(0, 64), 32)], csrs, Privilege.Machine, memory, Bool.True);
        var interpreter = new Interpreter(image);
        var done = image.Symbol("done").Address;
        for (var steps = 0; state.Pc != done; steps++)
        {
            Assert.True(steps < 10_000, $"no end at 0x{state.Pc:x}");
            var bugs = new List<Bug>();
            interpreter.Step(state, bugs, []);
            Assert.DoesNotContain(bugs, b => !b.Condition.IsFalse);
        }
        var written = state["s11"].Value - results.Address;
        var ours = string.Concat(Enumerable.Range(0, (int)written).Select(i => $"{memory.Read(results.Address + (ulong)i, 1).Value:x2}"));
        Assert.Equal(expected, ours);
    }

    [Fact]
    public void A_branch_on_a_symbolic_register_forks_and_a_symbolic_load_records_its_bounds()
    {
        // beq a0, zero, +8 ; ld a1, 0(a2) ; mret ...
        var image = TinyImage([0x00050463u, 0x00063583u, 0x30200073u, 0x30200073u]);
        var memory = new StructuredMemory([MemoryRegion.Symbolic("table", 0x1000, 32)], (_, _) => null);
        var state = MachineState.Symbolic(Xlen.Rv64, image.Entry, Privilege.Machine, memory);
        state.Registers[12] = BitVec.Of(0x1000, 64) + (BitVec.Var("i", 64) << 3);
        state.Csrs[CsrNumber.Mstatus] = BitVec.Of(3UL << 11, 64);
        state.Csrs[CsrNumber.Mepc] = BitVec.Of(0x4000, 64);
        var execution = new Interpreter(image).Run(state, s => s.Returns > 0);
        Assert.Equal(2, execution.Finals.Count);
        Assert.Contains(execution.Bugs, b => b.Message.Contains("not in bounds of table", StringComparison.Ordinal) && b.Pc == image.Entry + 4);
        var outOfBounds = Sym.Solve(execution.Bugs.Select(b => b.Condition).Aggregate(Bool.False, (any, c) => any | c),
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(Serval.Smt.SolverStatus.Sat, outOfBounds.Status);
    }

    [Fact]
    public void One_interpreter_serves_checks_running_in_parallel()
    {
        // The verifier runs its checks in parallel over one interpreter and so over one decode cache.
        const int Words = 4096;
        var image = TinyImage([.. Enumerable.Range(0, Words).Select(i => 0x00000013u | ((uint)(i % 2048) << 20))]); // addi x0, x0, i
        var interpreter = new Interpreter(image);
        Parallel.For(0, 8, worker =>
        {
            for (var i = 0; i < Words; i++)
            {
                var index = (i * 7 + worker * 1031) % Words;
                Assert.Equal(index % 2048, interpreter.Fetch(image.Entry + (ulong)index * 4).Imm);
            }
        });
    }

    [Fact]
    public void An_unsupported_instruction_is_an_error_naming_it_and_its_address()
    {
        var image = TinyImage([0x02c5f553u]); // fadd.d fa0,fa1,fa2
        var state = MachineState.Symbolic(Xlen.Rv64, image.Entry, Privilege.Machine, new StructuredMemory([], (_, _) => null));
        var error = Assert.Throws<UnsupportedInstructionException>(() => new Interpreter(image).Run(state, _ => false));
        Assert.Contains("fadd.d", error.Message, StringComparison.Ordinal);
        Assert.Contains($"0x{image.Entry:x}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trap_to_a_symbolic_vector_names_the_instruction_that_raised_it()
    {
        // rdcycle (csrrs a0, cycle, zero): cycle is not modelled, so it traps as illegal, to an mtvec nobody set.
        var image = TinyImage([0xc0002573u]);
        var state = MachineState.Symbolic(Xlen.Rv64, image.Entry, Privilege.Machine, new StructuredMemory([], (_, _) => null));
        var error = Assert.Throws<UnsupportedInstructionException>(() => new Interpreter(image).Run(state, _ => false));
        Assert.StartsWith($"'csrrs\ta0,cycle,zero' at 0x{image.Entry:x}", error.Message, StringComparison.Ordinal);
        Assert.Contains("illegal-instruction trap", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csrrs_from_a_register_holding_zero_still_writes_so_a_read_only_csr_traps()
    {
        // csrrs t2, marchid, t2 with t2 = 0: rs1 is not x0, so the instruction attempts the write (the spec's Zicsr
        // chapter; Spike agrees, QEMU 7.2 does not) and a write to a read-only CSR is an illegal instruction.
        var image = TinyImage([0xf123a3f3u]);
        var state = MachineState.Symbolic(Xlen.Rv64, image.Entry, Privilege.Machine, new StructuredMemory([], (_, _) => null));
        state.Registers[7] = BitVec.Of(0, 64);
        state.Csrs[CsrNumber.Mtvec] = BitVec.Of(0x4000, 64);
        new Interpreter(image).Step(state, [], []);
        Assert.Equal(0x4000UL, state.Pc);
        Assert.Equal(2UL, state.Csrs[CsrNumber.Mcause].Value);
        Assert.Equal(0xf123a3f3UL, state.Csrs[CsrNumber.Mtval].Value);
        Assert.Equal(0UL, state.Registers[7].Value);
    }

    [Fact]
    public void Illegal_bits_are_an_error_naming_the_word()
    {
        var image = TinyImage([0xffffffffu]);
        var state = MachineState.Symbolic(Xlen.Rv64, image.Entry, Privilege.Machine, new StructuredMemory([], (_, _) => null));
        var error = Assert.Throws<UnsupportedInstructionException>(() => new Interpreter(image).Run(state, _ => false));
        Assert.Contains("illegal instruction 0xffffffff", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("div", 7L, 0L, -1L)]
    [InlineData("divu", 7L, 0L, -1L)]
    [InlineData("rem", 7L, 0L, 7L)]
    [InlineData("remu", -7L, 0L, -7L)]
    [InlineData("div", long.MinValue, -1L, long.MinValue)]
    [InlineData("rem", long.MinValue, -1L, 0L)]
    [InlineData("divw", 0x80000000L, -1L, -0x80000000L)]
    [InlineData("remw", 0x80000000L, -1L, 0L)]
    [InlineData("mulh", long.MinValue, long.MinValue, 0x4000000000000000L)]
    [InlineData("mulhu", -1L, -1L, -2L)]
    [InlineData("mulhsu", -1L, -1L, -1L)]
    [InlineData("sraw", 0x80000000L, 31L, -1L)]
    [InlineData("srlw", -1L, 0L, -1L)]
    [InlineData("sllw", 1L, 31L, -0x80000000L)]
    [InlineData("sra", long.MinValue, 63L, -1L)]
    [InlineData("sll", 1L, 64L, 1L)]
    [InlineData("slt", -1L, 0L, 1L)]
    [InlineData("sltu", -1L, 0L, 0L)]
    [InlineData("addw", 0x7fffffffL, 1L, -0x80000000L)]
    [InlineData("subw", 0L, 0x80000000L, -0x80000000L)]
    public void Register_operations_on_edge_values(string mnemonic, long a, long b, long expected)
    {
        var funct = mnemonic switch
        {
            "div" => (0x01u, 4u, 0x33u), "divu" => (0x01u, 5u, 0x33u), "rem" => (0x01u, 6u, 0x33u), "remu" => (0x01u, 7u, 0x33u),
            "divw" => (0x01u, 4u, 0x3Bu), "remw" => (0x01u, 6u, 0x3Bu), "mulh" => (0x01u, 1u, 0x33u), "mulhu" => (0x01u, 3u, 0x33u),
            "mulhsu" => (0x01u, 2u, 0x33u), "sraw" => (0x20u, 5u, 0x3Bu), "srlw" => (0x00u, 5u, 0x3Bu), "sllw" => (0x00u, 1u, 0x3Bu),
            "sra" => (0x20u, 5u, 0x33u), "sll" => (0x00u, 1u, 0x33u), "slt" => (0x00u, 2u, 0x33u), "sltu" => (0x00u, 3u, 0x33u),
            "addw" => (0x00u, 0u, 0x3Bu), _ => (0x20u, 0u, 0x3Bu),
        };
        var word = (funct.Item1 << 25) | (12u << 20) | (11u << 15) | (funct.Item2 << 12) | (10u << 7) | funct.Item3; // op a0,a1,a2
        var image = TinyImage([word]);
        Assert.Equal(mnemonic, Disassembler.Mnemonic(InstructionDecoder.Decode(word).Opcode));
        var state = MachineState.Symbolic(Xlen.Rv64, image.Entry, Privilege.Machine, new StructuredMemory([], (_, _) => null));
        state.Registers[11] = BitVec.Of((ulong)a, 64);
        state.Registers[12] = BitVec.Of((ulong)b, 64);
        new Interpreter(image).Step(state, [], []);
        Assert.Equal((ulong)expected, state.Registers[10].Value);
    }

    /// <summary>Runs a static user program concretely, serving write(64) and exit(93); returns what it wrote.</summary>
    internal static byte[] RunUserProgram(ElfImage image, string[] dataSymbols)
    {
        var regions = dataSymbols.Select(name => image.Symbol(name))
            .Select(s => new MemoryRegion(new RegionLayout(s.Name, s.Address, RegionLayout.Untyped(s.Size)), (layout, cell) =>
            {
                // Initialized data starts with the image's bytes, .bss with zeros.
                Span<byte> bytes = stackalloc byte[8];
                var size = layout.SizeOf(cell);
                return BitVec.Of(image.TryRead(layout.Start + layout.OffsetOf(cell), bytes[..size]) ? BitConverter.ToUInt64(bytes) : 0, size * 8);
            }))
            .Append(MemoryRegion.Zeroed(new RegionLayout("stack", StackBase, RegionLayout.Untyped(StackSize))));
        var memory = new StructuredMemory(regions, (address, size) =>
        {
            Span<byte> bytes = stackalloc byte[8];
            return image.TryRead(address, bytes[..size]) ? BitConverter.ToUInt64(bytes) : null;
        });
        var xlen = image.Is64Bit ? Xlen.Rv64 : Xlen.Rv32;
        var registers = Enumerable.Repeat(BitVec.Of(0, (int)xlen), 32).ToArray();
        registers[2] = BitVec.Of(StackBase + StackSize, (int)xlen);
        var csrs = MachineState.ModelledCsrs.ToDictionary(c => c, _ => BitVec.Of(0, (int)xlen));
        csrs[CsrNumber.Mtvec] = BitVec.Of(0x100, (int)xlen);
        var state = new MachineState(xlen, image.Entry, registers, csrs, Privilege.User, memory, Bool.True);
        var interpreter = new Interpreter(image) { MaxSteps = 5_000_000 };
        var output = new List<byte>();
        var bugs = new List<Bug>();
        while (true)
        {
            interpreter.Step(state, bugs, []);
            Assert.DoesNotContain(bugs, b => !b.Condition.IsFalse);
            if (state.Mode != Privilege.Machine)
            {
                continue;
            }
            Assert.Equal(8UL, state.Csrs[CsrNumber.Mcause].Value);
            var call = state["a7"].Value;
            if (call == 93)
            {
                return [.. output];
            }
            Assert.Equal(64UL, call);
            var address = state["a1"].Value;
            var length = state["a2"].Value;
            for (var offset = 0UL; offset < length; offset += 8)
            {
                var word = memory.Load(BitVec.Of(address + offset, 64), 8, []).Value;
                output.AddRange(BitConverter.GetBytes(word).Take((int)Math.Min(8, length - offset)));
            }
            state.Registers[10] = BitVec.Of(length, (int)xlen);
            state.Mode = Privilege.User;
            state.Pc = state.Csrs[CsrNumber.Mepc].Value + 4;
        }
    }

    private static async Task<byte[]> RunQemuAsync(string qemu, string program, CancellationToken token)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(qemu, [program])
        {
            RedirectStandardOutput = true,
        })!;
        using var bytes = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(bytes, token);
        await process.WaitForExitAsync(token);
        Assert.Equal(0, process.ExitCode);
        return bytes.ToArray();
    }

    // A minimal ELF64 RISC-V executable whose one section holds the given words at 0x10000.
    internal static ElfImage TinyImage(uint[] words) => ElfImage.FromCode(TinyImageAddress, words);

    internal const ulong TinyImageAddress = 0x10000;
}
