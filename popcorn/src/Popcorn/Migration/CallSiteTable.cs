using Popcorn.Emulation;
using Popcorn.Toolchain;

namespace Popcorn.Migration;

/// <summary>How this ISA's code holds an integer narrower than its 64-bit register (or 8-byte spill slot).</summary>
public enum IntegerExtension
{
    /// <summary>Not known from the code: the ISA's convention applies (riscv64 sign-extends 32-bit values, aarch64 zero-extends).</summary>
    Unknown,

    /// <summary>Sign-extended (riscv64 <c>lw</c>, <c>addw</c>; aarch64 <c>ldrsw</c>, <c>sxtw</c>).</summary>
    Sign,

    /// <summary>Zero-extended (riscv64 <c>lwu</c>; aarch64 any W-register result).</summary>
    Zero,
}

/// <summary>One recorded value of a call site: what it is and where it is at the call's return address.</summary>
/// <param name="Kind">Integer, pointer, float or stack allocation.</param>
/// <param name="Size">The value's size in bytes (for an allocation: its contents).</param>
/// <param name="Location">Where it is.</param>
/// <param name="Extension">For an integer narrower than 8 bytes in a register or slot: how the code after the call
/// expects the upper bytes (from the machine code before the call).</param>
public readonly record struct LiveValue(LiveValueKind Kind, long Size, StackMapLocation Location, IntegerExtension Extension = IntegerExtension.Unknown);

/// <summary>A register that holds <c>Base + Offset</c>, an address in its function's frame (DWARF numbers; the base is
/// the stack or frame pointer as they are in the function's body).</summary>
/// <param name="Register">The register.</param>
/// <param name="Base">The stack pointer or the frame pointer.</param>
/// <param name="Offset">Added to the base.</param>
public readonly record struct FrameAddress(int Register, int Base, long Offset);

/// <summary>
/// Everything stack transformation knows about one call site on one ISA: the function, the call's ordinal (its ID,
/// the same on every ISA), the return address, the unwind rule there, the fixed frame size, the function's stack
/// allocations and the values live across the call.
/// </summary>
public sealed class CallSite
{
    internal CallSite(ulong function, string functionName, ulong id, ulong returnAddress, ulong stackSize, FrameRule? frame, long flags,
        IReadOnlyList<LiveValue> values, IReadOnlyList<FrameAddress> frameAddresses, string? problem)
    {
        FrameAddresses = frameAddresses;
        SavedSlots = frame is null ? [] : [.. frame.Saved.OrderBy(p => p.Key).Select(p => (p.Key, p.Value))];
        Function = function;
        FunctionName = functionName;
        Id = id;
        ReturnAddress = returnAddress;
        StackSize = stackSize;
        Frame = frame;
        Flags = flags;
        Values = values;
        Problem = problem;
    }

    /// <summary>The function's address (the same on every ISA).</summary>
    public ulong Function { get; }

    /// <summary>The function's symbol.</summary>
    public string FunctionName { get; }

    /// <summary>The call's ordinal in its function.</summary>
    public ulong Id { get; }

    /// <summary>The address the call returns to.</summary>
    public ulong ReturnAddress { get; }

    /// <summary>The fixed frame size: the CFA is the stack pointer plus this.</summary>
    public ulong StackSize { get; }

    /// <summary>The unwind rule at the return address.</summary>
    public FrameRule? Frame { get; }

    /// <summary>The registers the function saved and their offsets from the CFA (<see cref="FrameRule.Saved"/> as an
    /// array, walked per frame by stack transformation without allocating).</summary>
    internal (int Register, long Offset)[] SavedSlots { get; }

    /// <summary>Header flags (<see cref="StackMapEncoding"/>).</summary>
    public long Flags { get; }

    /// <summary>The function's allocations, then the live values.</summary>
    public IReadOnlyList<LiveValue> Values { get; }

    /// <summary>Callee-saved registers that hold an address in the frame at this call without being a recorded value
    /// (the backend's base registers for large frames): stack transformation sets them on this ISA.</summary>
    public IReadOnlyList<FrameAddress> FrameAddresses { get; }

    /// <summary>Why this frame cannot be rewritten, or null.</summary>
    public string? Problem { get; }

    /// <inheritdoc />
    public override string ToString() => $"{FunctionName} call #{Id}";
}

/// <summary>
/// The call-site metadata of one ISA's executable: stack maps from <c>.llvm_stackmaps</c>, unwind rules from
/// <c>.eh_frame</c>, each record paired with the call it follows. Looked up by return address (unwinding) and by
/// function and ID (rebuilding on the other ISA).
/// </summary>
public sealed class CallSiteTable
{
    private readonly Dictionary<ulong, CallSite> _byReturnAddress = [];
    private readonly Dictionary<(ulong, ulong), CallSite> _byId = [];
    private readonly List<(ulong Start, ulong End)> _functions = [];

    /// <summary>The ISA.</summary>
    public Isa Isa { get; }

    /// <summary>Every call site.</summary>
    public IReadOnlyCollection<CallSite> Sites => _byId.Values;

    private CallSiteTable(Isa isa) => Isa = isa;

    /// <summary>Reads the metadata of <paramref name="image"/>.</summary>
    /// <exception cref="InvalidDataException">The executable has no stack maps or unwind tables, or they are malformed.</exception>
    public static CallSiteTable Read(ElfImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var maps = image.FindSection(".llvm_stackmaps") ?? throw new InvalidDataException("the executable has no .llvm_stackmaps section (build it with this popcorn cc)");
        var unwind = image.FindSection(".eh_frame") ?? throw new InvalidDataException("the executable has no .eh_frame section");
        var cfi = new CallFrameInfo(unwind.Data, unwind.Address);
        var table = new CallSiteTable(image.Isa);
        foreach (var function in StackMapSection.Parse(maps.Data.Span))
        {
            var symbol = image.Symbols.Lookup(function.Address);
            var name = symbol?.Name ?? $"0x{function.Address:x}";
            var size = symbol is { Size: > 0 } s ? s.Size : function.Records.Max(r => r.Address) - function.Address + 4;
            var code = ReadCode(image, function.Address, size);
            var calls = MachineCode.CallReturnAddresses(image.Isa, code, function.Address);
            var forward = MachineCode.Forward(image.Isa, code, function.Address);
            var frameAddresses = forward.FrameAddresses(image.Isa);
            table._functions.Add((function.Address, function.Address + size));
            var live = MachineCode.LiveAtReturnAddresses(image.Isa, code, function.Address, calls, forward);
            foreach (var record in function.Records)
            {
                var site = Build(image.Isa, cfi, function, name, record, code, calls, forward, frameAddresses, live);
                table._byId[(function.Address, record.Id)] = site;
                table._byReturnAddress[site.ReturnAddress] = site;
            }
        }
        return table;
    }

    /// <summary>The call site whose return address is <paramref name="returnAddress"/>, or null.</summary>
    public CallSite? AtReturnAddress(ulong returnAddress) => _byReturnAddress.GetValueOrDefault(returnAddress);

    /// <summary>The call site <paramref name="id"/> of the function at <paramref name="function"/>, or null.</summary>
    public CallSite? Find(ulong function, ulong id) => _byId.GetValueOrDefault((function, id));

    /// <summary>Whether <paramref name="address"/> lies in a function that has call-site metadata.</summary>
    public bool IsInFunctionWithMetadata(ulong address) => _functions.Any(f => address >= f.Start && address < f.End);

    private static CallSite Build(Isa isa, CallFrameInfo cfi, StackMapFunction function, string name, StackMapRecord record, byte[] code, List<ulong> calls,
        MachineCode.ForwardFacts forward, Dictionary<ulong, List<FrameAddress>> frameAddresses, MachineLiveness live)
    {
        var returnAddress = calls.LastOrDefault(r => r <= record.Address);
        string? problem = null;
        if (returnAddress == 0)
        {
            problem = "no call precedes its stack map";
            returnAddress = record.Address;
        }
        FrameRule? frame = null;
        try
        {
            frame = cfi.RuleAt(returnAddress - 1);
        }
        catch (InvalidDataException e)
        {
            problem ??= e.Message;
        }
        if (frame is null)
        {
            problem ??= "no unwind rule covers the call";
        }
        long? fpAboveSp = frame is { } rule && rule.CfaRegister == MachineCode.FramePointer(isa) ? (long)function.StackSize - rule.CfaOffset : null;
        var locations = record.Locations;
        var flags = 0L;
        var values = new List<LiveValue>();
        if (locations.Count == 0 || locations[0].Type != LocationType.Constant || (locations[0].Offset & ~0xFFFFL) != StackMapEncoding.HeaderMagic)
        {
            problem ??= "the stack map has no popcorn header";
        }
        else
        {
            flags = locations[0].Offset & 0xFFFF;
            for (var i = 1; i + 1 < locations.Count; i += 2)
            {
                var (kind, size) = StackMapEncoding.ParseDescriptor(locations[i].Offset);
                var location = locations[i + 1];
                if (location.Type is LocationType.Register or LocationType.Direct or LocationType.Indirect && returnAddress < record.Address)
                {
                    var window = code.AsSpan((int)(returnAddress - function.Address), (int)(record.Address - returnAddress));
                    var translated = MachineCode.TranslateBack(isa, window, location, fpAboveSp);
                    if (translated is null)
                    {
                        problem ??= $"value {i / 2} ({location.Type} r{location.Register} {location.Offset}) is overwritten between the call and its stack map";
                        translated = location;
                    }
                    location = translated.Value;
                }
                values.Add(WithExtension(isa, new LiveValue(kind, size, location), forward.AfterCall.GetValueOrDefault(returnAddress), fpAboveSp));
            }
            WidenReloadedSlots(isa, values, live.Slots.GetValueOrDefault(returnAddress, []), fpAboveSp);
        }
        if ((flags & StackMapEncoding.FrameNotRewritable) != 0)
        {
            problem ??= "the frame holds a variable-sized allocation";
        }
        if ((flags & StackMapEncoding.HoldsVaList) != 0)
        {
            problem ??= "the frame holds a va_list (it points into a register save area each ISA lays out its own way)";
        }
        if ((flags & StackMapEncoding.ReturnsThroughHiddenSlot) != 0)
        {
            problem ??= "the function returns an aggregate that riscv64 returns through a hidden slot in its caller's frame, which no stack map describes";
        }
        if ((flags & StackMapEncoding.UnsupportedValue) != 0)
        {
            problem ??= "a live value is a vector";
        }
        var recorded = values.Where(v => v.Location.Type == LocationType.Register).Select(v => v.Location.Register).ToHashSet();
        var bases = frameAddresses.GetValueOrDefault(returnAddress, []).Where(a => !recorded.Contains(a.Register)).ToList();
        if (frame is not null && problem is null)
        {
            problem = UnrecordedLiveRegisters(isa, live, returnAddress, frame, recorded, bases)
                ?? MachineCode.UnrecordedLiveSlots(isa, live.Slots.GetValueOrDefault(returnAddress, []), live.Stored, frame, function.StackSize, fpAboveSp, values);
        }
        return new CallSite(function.Address, name, record.Id, returnAddress, function.StackSize, frame, flags, values, bases, problem);
    }

    /// <summary>An integer narrower than 8 bytes takes the extension the code before the call gave its register or
    /// spill slot (the slot as the code stored it, through sp or fp, whichever base the record names).</summary>
    private static LiveValue WithExtension(Isa isa, LiveValue value, MachineCode.RegisterFacts? after, long? fpAboveSp)
    {
        var location = value.Location;
        if (value.Kind != LiveValueKind.Integer || value.Size >= 8 || after is null)
        {
            return value;
        }
        var (sp, fp) = (MachineCode.StackPointer(isa), MachineCode.FramePointer(isa));
        (int, long)? otherBase = fpAboveSp is not { } delta ? null
            : location.Register == sp ? (fp, location.Offset - delta)
            : location.Register == fp ? (sp, location.Offset + delta)
            : null;
        var widths = location.Type == LocationType.Register ? after.Registers.GetValueOrDefault(location.Register, Widths.Unknown)
            : location.Type != LocationType.Indirect ? Widths.Unknown
            : after.Slots.TryGetValue((location.Register, location.Offset), out var stored) ? stored
            : otherBase is { } other ? after.Slots.GetValueOrDefault(other, Widths.Unknown)
            : Widths.Unknown;
        return value with { Extension = widths.ExtensionOf() };
    }

    /// <summary>A narrow integer's slot that the code after the call reloads whole (8 bytes, an X register's spill
    /// of a W value, alone or as one register of a load pair) is recorded as 8 bytes, so that stack transformation
    /// writes its upper half too (extended as <see cref="LiveValue.Extension"/> says), unless another recorded value
    /// lies in that upper half. The record and the reload may address the slot through different bases (the record
    /// through fp, the reload through sp): they are compared as offsets from sp.</summary>
    internal static void WidenReloadedSlots(Isa isa, List<LiveValue> values, List<FrameSlot> liveSlots, long? fpAboveSp)
    {
        long? FromSp(int register, long offset) => register == MachineCode.StackPointer(isa) ? offset
            : register == MachineCode.FramePointer(isa) && fpAboveSp is { } delta ? offset + delta : null;
        var wholeReloads = liveSlots.Where(slot => slot.Size == 8).Select(slot => FromSp(slot.Base, slot.Offset)).OfType<long>().ToHashSet();
        for (var i = 0; i < values.Count; i++)
        {
            var location = values[i].Location;
            if (values[i].Kind != LiveValueKind.Integer || location.Type != LocationType.Indirect || location.Size >= 8
                || FromSp(location.Register, location.Offset) is not { } from || !wholeReloads.Contains(from))
            {
                continue;
            }
            var (upper, end) = (from + location.Size, from + 8);
            var shared = values.Where((other, j) => j != i && other.Location.Type is LocationType.Indirect or LocationType.Direct
                && (other.Location.Type == LocationType.Indirect || other.Kind == LiveValueKind.Alloca)
                && FromSp(other.Location.Register, other.Location.Offset) is { } start
                && start < end && upper < start + (other.Kind == LiveValueKind.Alloca ? other.Size : Math.Max(1, other.Location.Size)));
            if (!shared.Any())
            {
                values[i] = values[i] with { Location = location with { Size = 8 } };
            }
        }
    }

    /// <summary>The machine-level safety net: callee-saved registers this frame saved (their values at the call are
    /// its own) that the code after the call reads before writing on a path its branches allow, and that neither a
    /// stack map records nor stack transformation sets as a frame address, named; null when there are none.</summary>
    private static string? UnrecordedLiveRegisters(Isa isa, MachineLiveness liveness, ulong returnAddress, FrameRule frame, HashSet<int> recorded, List<FrameAddress> bases)
    {
        var live = liveness.Registers.GetValueOrDefault(returnAddress);
        var missing = new List<string>();
        foreach (var register in frame.Saved.Keys.Order())
        {
            if (register < 128 && (live & (UInt128.One << register)) != 0 && MachineCode.IsCalleeSaved(isa, register)
                && !recorded.Contains(register) && !bases.Any(b => b.Register == register) && liveness.MayRead(returnAddress, register))
            {
                missing.Add(MachineCode.RegisterName(isa, register));
            }
        }
        return missing.Count == 0 ? null
            : $"the code after the call reads {string.Join(", ", missing)}, which no stack map records (a value the backend keeps across the call outside the IR)";
    }

    private static byte[] ReadCode(ElfImage image, ulong address, ulong size)
    {
        foreach (var segment in image.Segments)
        {
            if (segment.Type == SegmentType.Load && address >= segment.VirtualAddress && address + size <= segment.VirtualAddress + segment.FileSize)
            {
                return image.Bytes.Slice((int)(segment.Offset + (address - segment.VirtualAddress)), (int)size).ToArray();
            }
        }
        throw new InvalidDataException($"function at 0x{address:x} is outside the executable's loaded code");
    }
}
