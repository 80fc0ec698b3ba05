using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Popcorn.Emulation;
using Popcorn.Emulation.AArch64;
using Popcorn.Emulation.RiscV;
using Popcorn.Toolchain;

namespace Popcorn.Migration;

/// <summary>What a stack transformation did, or why it refused.</summary>
/// <param name="State">The thread's registers on the destination ISA, or null when refused.</param>
/// <param name="Frames">Frames rewritten.</param>
/// <param name="StackBytes">Bytes of stack the source frames occupied.</param>
/// <param name="Refusal">Why the stack was left as it was, or null.</param>
public sealed record TransformOutcome(ArchitecturalState? State, int Frames, long StackBytes, string? Refusal);

/// <summary>
/// Popcorn's stack transformation for a thread stopped in <c>__pc_migrate_trap</c>: unwinds the source stack with
/// the source ISA's call-site metadata and CFI, then rebuilds every frame, from the oldest, in the destination ISA's
/// layout in place: allocations and live values copied, pointers into the stack moved with what they point to,
/// callee-saved values put in the save slots of the frames below or in the registers, return addresses and frame
/// pointers rewritten. The thread resumes on the destination at the return address of the trap's call site.
/// </summary>
/// <remarks>
/// Another thread (or any shared memory) holding a pointer into the frames being rewritten would be left pointing at
/// a moved variable: such a migration is refused, naming the holder, and the thread stays where it is.
/// The frames below the oldest one with metadata (the ISA's own start-up code) are not touched; they never resume.
/// </remarks>
public static class StackTransformer
{
    /// <summary>The deepest stack this transformer rewrites (Popcorn's stops at 512; the cost per frame is flat here).</summary>
    public const int MaxFrames = 4096;

    private sealed class Frame
    {
        public CallSite Source = null!;
        public readonly ulong[] Registers = new ulong[MachineCode.RegisterCount];
        public ulong Sp, Cfa;
        public CallSite? Destination;
        public ulong DestinationSp, DestinationCfa, DestinationFp;
    }

    /// <summary>Frames and buffers kept between migrations on one host thread, so that a migration allocates
    /// nothing per frame: the cost per frame stays flat however deep the stack.</summary>
    private sealed class Workspace
    {
        public readonly List<Frame> Pool = [];
        public readonly List<Frame> Frames = [];
        public readonly List<(ulong From, ulong Size, ulong To)> Moves = [];
        public readonly ulong[] Carried = new ulong[MachineCode.RegisterCount];

        /// <summary>The frame after the last one taken, whose registers are filled before it is known to be one.</summary>
        public Frame Peek()
        {
            if (Frames.Count == Pool.Count)
            {
                Pool.Add(new Frame());
            }
            return Pool[Frames.Count];
        }

        public Frame Next()
        {
            var frame = Peek();
            Frames.Add(frame);
            return frame;
        }
    }

    [ThreadStatic]
    private static Workspace? t_workspace;

    /// <summary>Transforms the stack of <paramref name="thread"/> for <paramref name="destination"/>.</summary>
    /// <param name="thread">The thread, stopped at the trap's system call; its state is not changed.</param>
    /// <param name="threads">Every thread of the process (others' registers are checked for pointers into the stack).</param>
    /// <param name="memory">Shared memory (stack, heap, globals).</param>
    /// <param name="references">The index of pointers into stacks over <paramref name="memory"/>'s address space.</param>
    /// <param name="source">The source ISA's metadata.</param>
    /// <param name="destinationTable">The destination ISA's metadata.</param>
    /// <param name="destination">A fresh state of the destination ISA to fill.</param>
    /// <param name="trapResult">What the trap returns on the destination.</param>
    /// <param name="threadPointerBias">How far below the TLS block aarch64's thread pointer sits (16 rounded up to the TLS alignment).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static TransformOutcome Transform(GuestThread thread, IReadOnlyList<GuestThread> threads, GuestMemory memory, StackReferenceIndex references, CallSiteTable source,
        CallSiteTable destinationTable, ArchitecturalState destination, ulong trapResult, ulong threadPointerBias = 16)
    {
        ArgumentNullException.ThrowIfNull(thread);
        ArgumentNullException.ThrowIfNull(threads);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destinationTable);
        ArgumentNullException.ThrowIfNull(destination);
        var state = thread.State;
        var from = state.Isa;
        var to = destination.Isa;

        // 1. Unwind the source stack.
        var work = t_workspace ??= new Workspace();
        var unwindError = Unwind(work, from, source, memory, state);
        var frames = work.Frames;
        if (unwindError is not null)
        {
            return Refuse(unwindError, frames.Count);
        }
        var low = frames[0].Sp;
        var high = frames[^1].Cfa;

        // 2. The destination layout, from the oldest frame down.
        var cfaNext = high;
        for (var i = frames.Count - 1; i >= 0; i--)
        {
            var frame = frames[i];
            var site = destinationTable.Find(frame.Source.Function, frame.Source.Id);
            if (site is null)
            {
                return Refuse($"{to.Name()} has no record for {frame.Source.FunctionName} call #{frame.Source.Id}", frames.Count);
            }
            if (site.Problem is { } problem)
            {
                return Refuse($"frame of {site.FunctionName} (call #{site.Id}) cannot be rewritten on {to.Name()}: {problem}", frames.Count);
            }
            frame.Destination = site;
            frame.DestinationCfa = cfaNext;
            frame.DestinationSp = cfaNext - site.StackSize;
            var rule = site.Frame!;
            frame.DestinationFp = rule.CfaRegister == MachineCode.FramePointer(to) ? cfaNext - (ulong)rule.CfaOffset : 0;
            cfaNext = frame.DestinationSp;
        }
        var newLow = frames[0].DestinationSp;
        var stackRegion = memory.Space.Regions.FirstOrDefault(r => r.Owner is null && r.Start <= low && low < r.End);
        if (newLow < stackRegion.Start + AddressSpace.PageSize)
        {
            return Refuse($"the rewritten stack needs {high - newLow} bytes and does not fit in the thread's stack", frames.Count);
        }

        // 3. Nothing outside these frames may point into them.
        var holder = references.FindForeignPointer(thread, threads, stackRegion.Start, low, high);
        if (holder is not null)
        {
            return Refuse(holder, frames.Count);
        }

        var snapshot = ArrayPool<byte>.Shared.Rent((int)(high - low));
        var image = ArrayPool<byte>.Shared.Rent((int)(high - newLow));
        try
        {
            memory.Read(low, snapshot.AsSpan(0, (int)(high - low)));
            image.AsSpan(0, (int)(high - newLow)).Clear();
            if (Rebuild(work, from, to, low, high, newLow, snapshot, image, memory) is { } refusal)
            {
                return Refuse(refusal, frames.Count);
            }
            memory.Write(newLow, image.AsSpan(0, (int)(high - newLow)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(snapshot);
            ArrayPool<byte>.Shared.Return(image);
        }

        // 6. The destination registers: the innermost frame's, resuming after the trap's call.
        WriteRegisters(destination, work.Carried);
        SetRegister(destination, FlagAddressRegister(to), ReadRegister(state, FlagAddressRegister(from)));
        destination.StackPointer = frames[0].DestinationSp;
        destination.ProgramCounter = frames[0].Destination!.ReturnAddress;
        destination.SetSystemCallResult((long)trapResult);
        destination.ThreadPointer = ConvertThreadPointer(state.ThreadPointer, from, to, threadPointerBias);
        destination.ClearReservation();
        CopyFloatingPointControl(state, destination);
        if (VerifyEachMigration)
        {
            var expected = string.Join(" ", frames.Select(f => $"{f.Source.FunctionName}#{f.Source.Id}@{f.DestinationCfa:x}"));
            var error = Unwind(work, to, destinationTable, memory, destination);
            var actual = string.Join(" ", work.Frames.Select(f => $"{f.Source.FunctionName}#{f.Source.Id}@{f.Cfa:x}"));
            if (error is not null || expected != actual)
            {
                throw new InvalidOperationException($"the rebuilt {to.Name()} stack does not unwind as built: {error}\nbuilt:   {expected}\nunwound: {actual}");
            }
        }
        return new TransformOutcome(destination, frames.Count, (long)(high - low), null);

        TransformOutcome Refuse(string reason, int depth = 0) => new(null, depth, 0, reason);
    }

    /// <summary>Steps 4 and 5: where every allocation moves, then every frame rebuilt into <paramref name="image"/>
    /// (the destination stack from <paramref name="newLow"/> up), oldest first, carrying the callee-saved registers
    /// down; the innermost frame's registers are left in the workspace. Returns why it cannot, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? Rebuild(Workspace work, Isa from, Isa to, ulong low, ulong high, ulong newLow, byte[] snapshot, byte[] image, GuestMemory memory)
    {
        var frames = work.Frames;
        var moves = work.Moves;
        moves.Clear();
        foreach (var frame in frames)
        {
            for (var v = 0; v < frame.Source.Values.Count; v++)
            {
                var value = frame.Source.Values[v];
                if (value.Kind == LiveValueKind.Alloca)
                {
                    var target = frame.Destination!.Values[v];
                    moves.Add((Address(frame.Registers, frame.Sp, from, value.Location), (ulong)value.Size,
                        Address(null, frame.DestinationSp, to, target.Location, frame.DestinationFp)));
                }
            }
            moves.Add((frame.Cfa, 0, frame.DestinationCfa));
        }
        var relocation = new StackRelocation(moves);
        ulong? Relocate(ulong pointer) => pointer < low || pointer >= high ? pointer : relocation.Map(pointer);

        // One register file, carried down the frames and changed in place: a frame's save slots take its
        // caller's values before its own are set.
        var own = work.Carried;
        Array.Clear(own);
        var returnInto = 0UL;
        var fpInto = 0UL;
        for (var i = frames.Count - 1; i >= 0; i--)
        {
            var frame = frames[i];
            var site = frame.Destination!;
            var rule = site.Frame!;
            own[MachineCode.LinkRegister(to)] = returnInto;
            own[MachineCode.FramePointer(to)] = fpInto;
            foreach (var (register, offset) in site.SavedSlots)
            {
                Write(image, newLow, frame.DestinationCfa + (ulong)offset, 8, own[register]);
            }
            own[MachineCode.StackPointer(to)] = frame.DestinationSp;
            if (rule.CfaRegister == MachineCode.FramePointer(to))
            {
                own[MachineCode.FramePointer(to)] = frame.DestinationFp;
            }
            for (var b = 0; b < site.FrameAddresses.Count; b++)
            {
                var (register, baseRegister, offset) = site.FrameAddresses[b];
                own[register] = (baseRegister == MachineCode.StackPointer(to) ? frame.DestinationSp : frame.DestinationFp) + (ulong)offset;
            }
            for (var v = 0; v < frame.Source.Values.Count; v++)
            {
                var value = frame.Source.Values[v];
                var target = site.Values[v].Location;
                if (value.Kind == LiveValueKind.Alloca)
                {
                    var fromAddress = Address(frame.Registers, frame.Sp, from, value.Location);
                    var toAddress = Address(own, frame.DestinationSp, to, target, frame.DestinationFp);
                    if (fromAddress < frame.Sp || fromAddress + (ulong)value.Size > frame.Cfa || toAddress < frame.DestinationSp
                        || toAddress + (ulong)value.Size > frame.DestinationCfa)
                    {
                        return $"local {v} of {frame.Source.FunctionName} ({value.Size} bytes at 0x{fromAddress:x}, {value.Location}) lies outside its frame [0x{frame.Sp:x}, 0x{frame.Cfa:x})";
                    }
                    var bytes = image.AsSpan((int)(toAddress - newLow), (int)value.Size);
                    snapshot.AsSpan((int)(fromAddress - low), (int)value.Size).CopyTo(bytes);
                    for (var word = 0; word + 8 <= bytes.Length; word += 8)
                    {
                        var content = BinaryPrimitives.ReadUInt64LittleEndian(bytes[word..]);
                        if (Relocate(content) is { } moved)
                        {
                            BinaryPrimitives.WriteUInt64LittleEndian(bytes[word..], moved);
                        }
                    }
                    continue;
                }
                var raw = ReadValue(frame, from, value, snapshot, low, high, memory);
                if (value.Size == 8 && value.Kind != LiveValueKind.Float)
                {
                    var moved = Relocate(raw);
                    if (moved is null && value.Kind == LiveValueKind.Pointer)
                    {
                        return $"a pointer live in {frame.Source.FunctionName} call #{frame.Source.Id} (value {v}, {value.Location}: 0x{raw:x}) points into the stack but into no local variable";
                    }
                    raw = moved ?? raw;
                }
                WriteValue(own, image, newLow, to, frame, value, site.Values[v], raw);
            }
            own[MachineCode.LinkRegister(to)] = site.ReturnAddress;
            returnInto = site.ReturnAddress;
            fpInto = own[MachineCode.FramePointer(to)];
        }
        return null;
    }

    /// <summary>When set (<c>POPCORN_VERIFY_MIGRATION</c>), every rebuilt stack is unwound again and compared with what was built.</summary>
    public static bool VerifyEachMigration { get; set; } = Environment.GetEnvironmentVariable("POPCORN_VERIFY_MIGRATION") is not null;

    /// <summary>Unwinds the stack of a thread in <paramref name="state"/> into the workspace's frames (reused
    /// between migrations); returns why it cannot, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? Unwind(Workspace work, Isa isa, CallSiteTable table, GuestMemory memory, ArchitecturalState state)
    {
        var frames = work.Frames;
        frames.Clear();
        var registers = work.Peek().Registers;
        ReadRegisters(state, registers);
        var sp = registers[MachineCode.StackPointer(isa)];
        var pc = registers[MachineCode.LinkRegister(isa)];
        while (true)
        {
            var site = table.AtReturnAddress(pc);
            if (site is null)
            {
                if (frames.Count == 0)
                {
                    return $"the trap was called from 0x{pc:x}, which has no call-site record";
                }
                return table.IsInFunctionWithMetadata(pc) ? $"return address 0x{pc:x} has no call-site record" : null;
            }
            if (site.Problem is { } problem)
            {
                return $"frame of {site.FunctionName} (call #{site.Id}) cannot be rewritten: {problem}";
            }
            var rule = site.Frame!;
            var cfa = (rule.CfaRegister == MachineCode.StackPointer(isa) ? sp : registers[rule.CfaRegister]) + (ulong)rule.CfaOffset;
            if (cfa - site.StackSize != sp)
            {
                return $"frame of {site.FunctionName} has a variable size (sp 0x{sp:x}, CFA 0x{cfa:x}, fixed size {site.StackSize})";
            }
            if (frames.Count == MaxFrames)
            {
                return $"the stack is deeper than {MaxFrames} frames";
            }
            var frame = work.Next();
            frame.Source = site;
            frame.Sp = sp;
            frame.Cfa = cfa;
            // The caller's registers, in the next frame's place: this frame's, with the saved ones read back and
            // sp at the CFA.
            var caller = work.Peek().Registers;
            registers.AsSpan().CopyTo(caller);
            foreach (var (register, offset) in site.SavedSlots)
            {
                caller[register] = memory.Read64(cfa + (ulong)offset);
            }
            caller[MachineCode.StackPointer(isa)] = cfa;
            registers = caller;
            sp = cfa;
            pc = caller[MachineCode.LinkRegister(isa)];
        }
    }

    /// <summary>
    /// Converts a thread pointer: aarch64's sits <paramref name="bias"/> bytes (16 rounded up to the TLS alignment)
    /// below the TLS block, riscv64's at the block.
    /// </summary>
    public static ulong ConvertThreadPointer(ulong pointer, Isa from, Isa to, ulong bias) =>
        from == to ? pointer : from == Isa.Aarch64 ? pointer + bias : pointer - bias;

    private static ulong Address(ulong[]? registers, ulong sp, Isa isa, StackMapLocation location, ulong fp = 0)
    {
        var baseValue = location.Register == MachineCode.StackPointer(isa) ? sp
            : location.Register == MachineCode.FramePointer(isa) && registers is null ? fp
            : registers![location.Register];
        return baseValue + (ulong)location.Offset;
    }

    private static ulong ReadValue(Frame frame, Isa isa, LiveValue value, byte[] snapshot, ulong low, ulong high, GuestMemory memory)
    {
        var location = value.Location;
        switch (location.Type)
        {
            case LocationType.Register:
                return frame.Registers[location.Register];
            case LocationType.Direct:
                return Address(frame.Registers, frame.Sp, isa, location);
            case LocationType.Indirect:
                var address = Address(frame.Registers, frame.Sp, isa, location);
                var size = (int)Math.Min(8, value.Size);
                Span<byte> bytes = stackalloc byte[8];
                bytes.Clear();
                if (address >= low && address + (ulong)size <= high)
                {
                    snapshot.AsSpan((int)(address - low), size).CopyTo(bytes);
                }
                else
                {
                    memory.Read(address, bytes[..size]);
                }
                return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            default:
                return (ulong)location.Offset;
        }
    }

    private static void WriteValue(ulong[] registers, byte[] image, ulong newLow, Isa isa, Frame frame, LiveValue value, LiveValue destination, ulong raw)
    {
        // Bring the value to the form the destination's code holds it in: an integer narrower than the register
        // sign- or zero-extended as the code before the call made it (by default riscv64 keeps 32-bit integers
        // sign-extended, aarch64's W registers zero their upper halves); single-precision floats NaN-boxed on riscv64.
        var size = value.Size;
        if (size < 8)
        {
            var bits = (int)(size * 8);
            raw &= (1UL << bits) - 1;
            var extension = destination.Extension != IntegerExtension.Unknown ? destination.Extension
                : isa == Isa.RiscV64 && size == 4 ? IntegerExtension.Sign : IntegerExtension.Zero;
            if (value.Kind == LiveValueKind.Float)
            {
                raw |= isa == Isa.RiscV64 && size == 4 ? 0xFFFF_FFFF_0000_0000UL : 0;
            }
            else if (extension == IntegerExtension.Sign)
            {
                raw = (ulong)((long)(raw << (64 - bits)) >> (64 - bits));
            }
        }
        var target = destination.Location;
        switch (target.Type)
        {
            case LocationType.Register:
                registers[target.Register] = raw;
                break;
            case LocationType.Indirect:
                var address = Address(registers, frame.DestinationSp, isa, target, frame.DestinationFp);
                Write(image, newLow, address, Math.Min(8, target.Size), raw);
                break;
        }
    }

    private static void Write(byte[] image, ulong newLow, ulong address, int size, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        bytes[..size].CopyTo(image.AsSpan((int)(address - newLow)));
    }

    /// <summary>The registers of <paramref name="state"/> by DWARF number.</summary>
    internal static ulong[] ReadRegisters(ArchitecturalState state)
    {
        var registers = new ulong[MachineCode.RegisterCount];
        ReadRegisters(state, registers);
        return registers;
    }

    private static void ReadRegisters(ArchitecturalState state, ulong[] registers)
    {
        Array.Clear(registers);
        switch (state)
        {
            case A64State a:
                for (var n = 0; n < 31; n++)
                {
                    registers[n] = a.GetX(n);
                }
                registers[31] = a.StackPointer;
                for (var n = 0; n < 32; n++)
                {
                    registers[64 + n] = a.GetVector(n).Low;
                }
                break;
            case RiscVState r:
                for (var n = 0; n < 32; n++)
                {
                    registers[n] = r.X[n];
                    registers[32 + n] = r.F[n];
                }
                break;
        }
    }

    private static void WriteRegisters(ArchitecturalState state, ulong[] registers)
    {
        switch (state)
        {
            case A64State a:
                for (var n = 0; n < 31; n++)
                {
                    a.SetX(n, registers[n]);
                }
                for (var n = 0; n < 32; n++)
                {
                    a.SetVector(n, registers[64 + n], 0);
                }
                break;
            case RiscVState r:
                for (var n = 1; n < 32; n++)
                {
                    r.X[n] = registers[n];
                    r.F[n] = registers[32 + n];
                }
                r.F[0] = registers[32];
                break;
        }
    }

    /// <summary>The register (DWARF number) that holds the migration flag's address in every thread, which no frame
    /// saves (x28, reserved from allocation; gp): carried from the source's to the destination's.</summary>
    internal static int FlagAddressRegister(Isa isa) => isa == Isa.Aarch64 ? 28 : 3;

    private static ulong ReadRegister(ArchitecturalState state, int register) => state switch
    {
        A64State a => a.GetX(register),
        RiscVState r => r.X[register],
        _ => 0,
    };

    private static void SetRegister(ArchitecturalState state, int register, ulong value)
    {
        switch (state)
        {
            case A64State a:
                a.SetX(register, value);
                break;
            case RiscVState r:
                r.X[register] = value;
                break;
        }
    }

    private static void CopyFloatingPointControl(ArchitecturalState from, ArchitecturalState to)
    {
        // fenv.h's rounding mode and accrued flags go with the thread. FPCR.RMode is nearest, +inf, -inf, zero;
        // frm is nearest-even, zero, down, up (and nearest-max-magnitude, which aarch64 lacks: nearest). FPSR's
        // IOC, DZC, OFC, UFC, IXC (bits 0-4) are fflags' NV, DZ, OF, UF, NX (bits 4-0), the same five in reverse.
        switch (from, to)
        {
            case (A64State a, A64State b):
                b.Fpcr = a.Fpcr;
                b.Fpsr = a.Fpsr;
                break;
            case (A64State a, RiscVState r):
                r.Frm = (a.Fpcr >> 22 & 3) switch { 1 => 3u, 2 => 2u, 3 => 1u, _ => 0u };
                r.Fflags = ReverseFiveBits((uint)a.Fpsr);
                break;
            case (RiscVState r, A64State a):
                a.Fpcr = (a.Fpcr & ~(3UL << 22)) | (ulong)(r.Frm switch { 3 => 1u, 2 => 2u, 1 => 3u, _ => 0u }) << 22;
                a.Fpsr = (a.Fpsr & ~0x1FUL) | ReverseFiveBits(r.Fflags);
                break;
            case (RiscVState r, RiscVState q):
                q.Frm = r.Frm;
                q.Fflags = r.Fflags;
                break;
        }
    }

    private static uint ReverseFiveBits(uint bits)
    {
        var result = 0u;
        for (var i = 0; i < 5; i++)
        {
            result |= (bits >> i & 1) << (4 - i);
        }
        return result;
    }
}
