using System.Collections;

namespace Popcorn.Toolchain;

/// <summary>
/// Popcorn's IR passes (its <c>MigrationPoints</c>, <c>LiveValues</c> and <c>InsertStackMaps</c>) as one step over
/// the optimized IR, through LLVM's C API. Migration points: at the entry (except in short leaves) and before every
/// return of each function of user code, an inlined test of the flag <c>__pc_migrate_flag</c>, read through the
/// register that holds its address (<see cref="TargetIsas.FlagAddressRegister"/>), that calls
/// <c>__pc_migrate_trap(-1)</c> out of line when it is set, and optionally also before every loop back-edge. Stack maps: after every call that can reach a migration point (every call but intrinsics), an
/// <c>llvm.experimental.stackmap</c> whose ID is the call's ordinal in its function and whose operands are every
/// static allocation of the function and every SSA value live across the call (SSA liveness, temporaries included),
/// each preceded by a descriptor (see <see cref="StackMapEncoding"/>).
/// </summary>
internal static partial class MigrationInstrumenter
{
    /// <summary>The runtime's flag that makes migration points call the trap.</summary>
    public const string FlagSymbol = "__pc_migrate_flag";

    /// <summary>The per-ISA function whose system call asks the emulator whether (and where) to migrate.</summary>
    public const string TrapFunction = "__pc_migrate_trap";

    private const string ReadRegister = "llvm.read_register.i64";
    private const string PointFunctionName = "__pc_migration_point";
    private const int InternalLinkage = 8;

    /// <summary>Instruments the IR file <paramref name="input"/> and writes the result to <paramref name="output"/>.</summary>
    /// <param name="input">Textual IR.</param>
    /// <param name="output">Where the instrumented textual IR goes.</param>
    /// <param name="migrationPoints">Where to insert migration points (none: only stack maps, as for the runtime).</param>
    /// <exception cref="CompileException">LLVM rejected the IR.</exception>
    public static void Instrument(string input, string output, MigrationPoints migrationPoints)
    {
        var context = LlvmC.LLVMContextCreate();
        try
        {
            if (LlvmC.LLVMCreateMemoryBufferWithContentsOfFile(input, out var buffer, out var message) != 0)
            {
                throw new CompileException($"cannot read {input}: {LlvmC.TakeMessage(message)}");
            }
            if (LlvmC.LLVMParseIRInContext(context, buffer, out var module, out message) != 0)
            {
                throw new CompileException($"LLVM cannot parse {input}: {LlvmC.TakeMessage(message)}");
            }
            try
            {
                if (migrationPoints != MigrationPoints.None)
                {
                    InsertMigrationPoints(context, module, migrationPoints == MigrationPoints.FunctionsAndLoops);
                }
                ReduceLoopStrength(context, module);
                SinkLocalAddresses(context, module);
                OrderAllocasBySize(context, module);
                InsertStackMaps(context, module);
                AllowCodeGenerationOptimizations(module);
                if (LlvmC.LLVMVerifyModule(module, 2, out message) != 0)
                {
                    throw new CompileException($"the instrumented IR is invalid: {LlvmC.TakeMessage(message)}");
                }
                LlvmC.TakeMessage(message);
                NameBlocks(module);
                if (LlvmC.LLVMPrintModuleToFile(module, output, out message) != 0)
                {
                    throw new CompileException($"cannot write {output}: {LlvmC.TakeMessage(message)}");
                }
                File.WriteAllText(output, SplitAfterStackMaps(File.ReadAllText(output)));
            }
            finally
            {
                LlvmC.LLVMDisposeModule(module);
            }
        }
        finally
        {
            LlvmC.LLVMContextDispose(context);
        }
    }

    /// <summary>
    /// Drops clang's <c>optnone</c> (every function at -O0), which makes llc skip block placement and branch folding:
    /// with it, a migration point's trap call sits inline on the hot path instead of out of line. The IR (what -O0
    /// means: every variable in memory) is unchanged.
    /// </summary>
    private static void AllowCodeGenerationOptimizations(nint module)
    {
        var optNone = LlvmC.LLVMGetEnumAttributeKindForName("optnone", 7);
        foreach (var function in LlvmC.Functions(module))
        {
            LlvmC.LLVMRemoveEnumAttributeAtIndex(function, uint.MaxValue, optNone);
        }
    }

    private const string BlockPrefix = "pc.b";

    /// <summary>Names every block (<c>pc.bN</c>) so that the text step below can add blocks without renumbering.</summary>
    private static void NameBlocks(nint module)
    {
        foreach (var function in LlvmC.Functions(module))
        {
            var n = 0;
            foreach (var block in LlvmC.Blocks(function))
            {
                var name = BlockPrefix + n++.ToString(System.Globalization.CultureInfo.InvariantCulture);
                LlvmC.LLVMSetValueName2(LlvmC.LLVMBasicBlockAsValue(block), name, (nuint)name.Length);
            }
        }
    }

    /// <summary>
    /// Ends a basic block after every stack map, so that instruction selection (which works a block at a time)
    /// cannot keep a constant or a local's address in a register across the call: every value that crosses a call
    /// is then an IR value the stack map records. Phis of the block's successors name its last piece.
    /// </summary>
    internal static string SplitAfterStackMaps(string ir)
    {
        var lines = ir.Split('\n');
        var output = new System.Text.StringBuilder(ir.Length + (ir.Length / 8));
        var function = new List<string>();
        var inFunction = false;
        var name = "";
        var keep = new System.Text.StringBuilder();
        foreach (var line in lines)
        {
            if (!inFunction)
            {
                output.Append(line).Append('\n');
                inFunction = line.StartsWith("define ", StringComparison.Ordinal) && line.EndsWith('{');
                name = inFunction ? FunctionName().Match(line).Groups[1].Value : "";
                continue;
            }
            if (line == "}")
            {
                var pieces = AppendSplitFunction(output, function);
                output.Append(line).Append('\n');
                if (pieces.Count > 0)
                {
                    // Taking the pieces' addresses keeps CodeGenPrepare from merging them back (the section is discarded at link time).
                    keep.Append(System.Globalization.CultureInfo.InvariantCulture,
                        $"@pc.keep.{keep.Length} = internal constant [{pieces.Count} x ptr] [{string.Join(", ", pieces.Select(p => $"ptr blockaddress(@{name}, %{p})"))}], section \"{KeepSection}\"\n");
                }
                function.Clear();
                inFunction = false;
                continue;
            }
            function.Add(line);
        }
        return output.ToString().TrimEnd('\n') + "\n" + keep;
    }

    /// <summary>The section holding the block addresses that keep call sites in blocks of their own; discarded by the link.</summary>
    public const string KeepSection = ".pc_keep";

    [System.Text.RegularExpressions.GeneratedRegex(@"@([-\w.$]+|""[^""]+"")\(")]
    private static partial System.Text.RegularExpressions.Regex FunctionName();

    private static List<string> AppendSplitFunction(System.Text.StringBuilder output, List<string> body)
    {
        var current = BlockPrefix + "0";
        var lastPiece = new Dictionary<string, string>(StringComparer.Ordinal);
        var piece = 0;
        var result = new List<string>(body.Count * 2);
        foreach (var line in body)
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]) && line.Contains(':', StringComparison.Ordinal) && !line.StartsWith(';'))
            {
                current = line[..line.IndexOf(':', StringComparison.Ordinal)];
                piece = 0;
            }
            result.Add(line);
            if (line.Contains("@llvm.experimental.stackmap(", StringComparison.Ordinal))
            {
                var next = $"{current}.s{++piece}";
                result.Add($"  br label %{next}");
                result.Add($"{next}:");
                lastPiece[current] = next;
            }
        }
        foreach (var line in result)
        {
            if (lastPiece.Count > 0 && line.Contains(" phi ", StringComparison.Ordinal))
            {
                output.Append(PhiIncoming().Replace(line, m => lastPiece.TryGetValue(m.Groups[1].Value, out var last) ? $", %{last} ]" : m.Value));
            }
            else
            {
                output.Append(line);
            }
            output.Append('\n');
        }
        return [.. lastPiece.Keys.SelectMany(block => Enumerable.Range(1, int.Parse(lastPiece[block][(block.Length + 2)..], System.Globalization.CultureInfo.InvariantCulture)).Select(k => $"{block}.s{k}"))];
    }

    [System.Text.RegularExpressions.GeneratedRegex(@", %(pc\.b\d+) \]")]
    private static partial System.Text.RegularExpressions.Regex PhiIncoming();

    private static unsafe void InsertMigrationPoints(nint context, nint module, bool loops)
    {
        var i32 = LlvmC.LLVMInt32TypeInContext(context);
        var i64 = LlvmC.LLVMInt64TypeInContext(context);
        var metadata = LlvmC.LLVMMetadataTypeInContext(context);
        var readRegisterType = LlvmC.LLVMFunctionType(i64, &metadata, 1, 0);
        var readRegister = LlvmC.LLVMGetNamedFunction(module, ReadRegister);
        if (readRegister == 0)
        {
            readRegister = LlvmC.LLVMAddFunction(module, ReadRegister, readRegisterType);
        }
        var registerText = IrRetargeter.IrTriple.FlagAddressRegister();
        var registerName = LlvmC.LLVMMDStringInContext2(context, registerText, (nuint)registerText.Length);
        var flagRegister = LlvmC.LLVMMetadataAsValue(context, LlvmC.LLVMMDNodeInContext2(context, &registerName, 1));
        var trapParameter = i64;
        var trapType = LlvmC.LLVMFunctionType(i64, &trapParameter, 1, 0);
        var trap = LlvmC.LLVMGetNamedFunction(module, TrapFunction);
        if (trap == 0)
        {
            trap = LlvmC.LLVMAddFunction(module, TrapFunction, trapType);
        }
        var targets = LlvmC.Functions(module).Where(f => LlvmC.LLVMIsDeclaration(f) == 0 && !HasVaStart(f) && !HasAttribute(f, "naked")).ToList();

        var builder = LlvmC.LLVMCreateBuilderInContext(context);
        var points = new Dictionary<nint, (nint Type, nint Function)>();
        try
        {
            var plain = PointFunction(0);
            foreach (var function in targets)
            {
                var instructions = LlvmC.Blocks(function).SelectMany(LlvmC.Instructions).ToList();
                var location = instructions.Select(LlvmC.LLVMInstructionGetDebugLoc).FirstOrDefault(l => l != 0);
                var entryInstructions = LlvmC.Instructions(LlvmC.LLVMGetEntryBasicBlock(function));
                var lastAlloca = entryInstructions.FindLastIndex(i => LlvmC.LLVMGetInstructionOpcode(i) == LlvmC.OpAlloca);
                var allLatches = LoopLatches(function);
                var latches = loops ? allLatches : [];
                var shortLeaf = allLatches.Count == 0 && IsShortLeaf(instructions);
                if (!shortLeaf)
                {
                    InsertCall(builder, entryInstructions[lastAlloca + 1], location, plain);
                }
                foreach (var ret in instructions.Where(i => LlvmC.LLVMGetInstructionOpcode(i) == LlvmC.OpRet))
                {
                    var own = LlvmC.LLVMInstructionGetDebugLoc(ret);
                    if (shortLeaf && LlvmC.LLVMGetNumOperands(ret) == 1)
                    {
                        var value = LlvmC.LLVMGetOperand(ret, 0);
                        LlvmC.LLVMSetOperand(ret, 0, InsertCall(builder, ret, own != 0 ? own : location, PointFunction(LlvmC.LLVMTypeOf(value)), value));
                    }
                    else
                    {
                        InsertCall(builder, ret, own != 0 ? own : location, plain);
                    }
                }
                foreach (var latch in latches)
                {
                    var branch = LlvmC.LLVMGetBasicBlockTerminator(latch);
                    var own = LlvmC.LLVMInstructionGetDebugLoc(branch);
                    InsertCall(builder, branch, own != 0 ? own : location, plain);
                }
            }
        }
        finally
        {
            LlvmC.LLVMDisposeBuilder(builder);
        }
        RunPasses(module, "always-inline,globaldce", 0, "inlining the migration points");

        // The migration point as a function to inline: with valueType 0 it takes and returns nothing; otherwise it
        // takes the value a short leaf returns and returns it, passing it across the trap call through a slot of its
        // own (inlining puts that alloca first in the frame, next to the frame record) rather than keeping it live
        // across the call, which would need a spill slot below the leaf's variables: on aarch64 that moves them far
        // enough from sp to be addressed from the frame pointer, and stores that were paired no longer are.
        (nint Type, nint Function) PointFunction(nint valueType)
        {
            if (points.TryGetValue(valueType, out var known))
            {
                return known;
            }
            var hasValue = valueType != 0;
            var returns = hasValue ? valueType : LlvmC.LLVMVoidTypeInContext(context);
            var type = LlvmC.LLVMFunctionType(returns, &valueType, hasValue ? 1u : 0u, 0);
            var function = LlvmC.LLVMAddFunction(module, PointFunctionName, type);
            LlvmC.LLVMSetLinkage(function, InternalLinkage);
            foreach (var attribute in new[] { "alwaysinline", "nounwind" })
            {
                LlvmC.LLVMAddAttributeAtIndex(function, uint.MaxValue, Attribute(context, attribute));
            }
            var entry = LlvmC.LLVMAppendBasicBlockInContext(context, function, "entry");
            var migrate = LlvmC.LLVMAppendBasicBlockInContext(context, function, "migrate");
            var done = LlvmC.LLVMAppendBasicBlockInContext(context, function, "done");
            LlvmC.LLVMPositionBuilderAtEnd(builder, entry);
            var slot = hasValue ? LlvmC.LLVMBuildAlloca(builder, valueType, "pc.value") : 0;
            var registerOperand = flagRegister;
            var flagAddress = LlvmC.LLVMBuildCall2(builder, readRegisterType, readRegister, &registerOperand, 1, "pc.flag.address");
            var flag = LlvmC.LLVMBuildIntToPtr(builder, flagAddress, LlvmC.LLVMPointerTypeInContext(context, 0), "pc.flag.pointer");
            var load = LlvmC.LLVMBuildLoad2(builder, i32, flag, "pc.flag");
            LlvmC.LLVMSetVolatile(load, 1);
            LlvmC.LLVMSetAlignment(load, 4);
            var wanted = LlvmC.LLVMBuildICmp(builder, 33 /* ne */, load, LlvmC.LLVMConstInt(i32, 0, 0), "pc.wanted");
            var test = LlvmC.LLVMBuildCondBr(builder, wanted, migrate, done);
            MarkUnlikely(context, test);
            LlvmC.LLVMPositionBuilderAtEnd(builder, migrate);
            var argument = hasValue ? LlvmC.LLVMGetParam(function, 0) : 0;
            if (hasValue)
            {
                LlvmC.LLVMBuildStore(builder, argument, slot);
            }
            var policy = LlvmC.LLVMConstInt(i64, ulong.MaxValue, 1);
            var call = LlvmC.LLVMBuildCall2(builder, trapType, trap, &policy, 1, "");
            LlvmC.LLVMAddCallSiteAttribute(call, uint.MaxValue, Attribute(context, "cold"));
            var reloaded = hasValue ? LlvmC.LLVMBuildLoad2(builder, valueType, slot, "pc.reloaded") : 0;
            LlvmC.LLVMBuildBr(builder, done);
            LlvmC.LLVMPositionBuilderAtEnd(builder, done);
            if (hasValue)
            {
                var phi = LlvmC.LLVMBuildPhi(builder, valueType, "pc.value");
                var values = stackalloc nint[] { argument, reloaded };
                var blocks = stackalloc nint[] { entry, migrate };
                LlvmC.LLVMAddIncoming(phi, values, blocks, 2);
                LlvmC.LLVMBuildRet(builder, phi);
            }
            else
            {
                LlvmC.LLVMBuildRetVoid(builder);
            }
            return points[valueType] = (type, function);
        }
    }

    private static void RunPasses(nint module, string passes, nint targetMachine, string what)
    {
        var options = LlvmC.LLVMCreatePassBuilderOptions();
        try
        {
            var error = LlvmC.LLVMRunPasses(module, passes, targetMachine, options);
            if (error != 0)
            {
                var message = LlvmC.LLVMGetErrorMessage(error);
                var text = System.Runtime.InteropServices.Marshal.PtrToStringUTF8(message);
                LlvmC.LLVMDisposeErrorMessage(message);
                throw new CompileException($"{what} failed: {text}");
            }
        }
        finally
        {
            LlvmC.LLVMDisposePassBuilderOptions(options);
        }
    }

    private static readonly Lazy<nint> Aarch64Target = new(() =>
    {
        LlvmC.LLVMInitializeAArch64TargetInfo();
        LlvmC.LLVMInitializeAArch64Target();
        LlvmC.LLVMInitializeAArch64TargetMC();
        return LlvmC.LLVMGetTargetFromTriple(TargetIsa.Aarch64.Triple(), out var target, out var message) == 0
            ? target
            : throw new CompileException($"LLVM has no aarch64 target: {LlvmC.TakeMessage(message)}");
    });

    /// <summary>
    /// Loop strength reduction on the shared IR, with AArch64's cost model, before the stack maps are placed: its new
    /// induction variables are then ordinary SSA values that the stack maps record (llc's own LSR, which runs after
    /// them, stays off). Functions still marked <c>optnone</c> (-O0) are left alone, and so are functions where LSR
    /// would walk a pointer that may point into the stack (derived from a local variable or a pointer parameter):
    /// it starts such an induction variable outside the object it walks (<c>buf - 1</c>), and a pointer into the
    /// stack that lies in no local variable cannot be relocated, so a migration through that frame would be
    /// refused. A trial run on a copy of the module finds them.
    /// </summary>
    private static void ReduceLoopStrength(nint context, nint module)
    {
        var machine = LlvmC.LLVMCreateTargetMachine(Aarch64Target.Value, TargetIsa.Aarch64.Triple(), "generic", "+fp-armv8,+neon",
            level: 2, relocation: 1, codeModel: 3);
        try
        {
            var trial = LlvmC.LLVMCloneModule(module);
            List<string> walksStack;
            try
            {
                RunPasses(trial, "function(loop(loop-reduce))", machine, "loop strength reduction");
                walksStack = [.. LlvmC.Functions(trial).Where(WalksStackWithNewPointer).Select(LlvmC.Name)];
            }
            finally
            {
                LlvmC.LLVMDisposeModule(trial);
            }
            // optnone (which needs noinline) is how a pass pipeline is told to leave a function alone.
            var skipped = walksStack.Select(name => LlvmC.LLVMGetNamedFunction(module, name)).ToList();
            var addedNoInline = skipped.Where(f => !HasAttribute(f, "noinline")).ToList();
            foreach (var function in skipped)
            {
                LlvmC.LLVMAddAttributeAtIndex(function, uint.MaxValue, Attribute(context, "optnone"));
            }
            foreach (var function in addedNoInline)
            {
                LlvmC.LLVMAddAttributeAtIndex(function, uint.MaxValue, Attribute(context, "noinline"));
            }
            RunPasses(module, "function(loop(loop-reduce))", machine, "loop strength reduction");
            foreach (var function in skipped)
            {
                LlvmC.LLVMRemoveEnumAttributeAtIndex(function, uint.MaxValue, LlvmC.LLVMGetEnumAttributeKindForName("optnone", 7));
            }
            foreach (var function in addedNoInline)
            {
                LlvmC.LLVMRemoveEnumAttributeAtIndex(function, uint.MaxValue, LlvmC.LLVMGetEnumAttributeKindForName("noinline", 8));
            }
        }
        finally
        {
            LlvmC.LLVMDisposeTargetMachine(machine);
        }
    }

    /// <summary>
    /// Puts a function's static allocations in the entry block from the smallest to the largest (stable), so that
    /// llc lays the small ones out next to the frame pointer and the arrays beyond them. A stack map names every
    /// allocation; riscv64 addresses locals from the frame pointer with 12-bit offsets and materializes each farther
    /// one it finds in a stack map in a scratch register of its own at the record, and with more of those than free
    /// registers it needs more than its one emergency spill slot and aborts ("Cannot scavenge register without an
    /// emergency spill slot"): -O0 code, every variable a local, with one large array among many scalars did.
    /// Moving an allocation up is always valid (its operand is a constant and it has no uses above it).
    /// </summary>
    private static void OrderAllocasBySize(nint context, nint module)
    {
        var layout = LlvmC.LLVMGetModuleDataLayout(module);
        var builder = LlvmC.LLVMCreateBuilderInContext(context);
        try
        {
            foreach (var function in LlvmC.Functions(module).Where(f => LlvmC.LLVMIsDeclaration(f) == 0))
            {
                var allocas = StaticAllocas(function).Static;
                var ordered = allocas.OrderBy(a => AllocationSize(layout, a)).ToList();
                if (ordered.SequenceEqual(allocas))
                {
                    continue;
                }
                var entry = LlvmC.LLVMGetEntryBasicBlock(function);
                var moving = ordered.ToHashSet();
                var anchor = LlvmC.Instructions(entry).First(i => !moving.Contains(i));
                LlvmC.LLVMPositionBuilderBefore(builder, anchor);
                foreach (var alloca in ordered)
                {
                    LlvmC.LLVMInstructionRemoveFromParent(alloca);
                    LlvmC.LLVMInsertIntoBuilder(builder, alloca);
                }
            }
        }
        finally
        {
            LlvmC.LLVMDisposeBuilder(builder);
        }
    }

    private static long AllocationSize(nint layout, nint alloca) =>
        (long)LlvmC.LLVMABISizeOfType(layout, LlvmC.LLVMGetAllocatedType(alloca)) * (long)LlvmC.LLVMConstIntGetZExtValue(LlvmC.LLVMGetOperand(alloca, 0));

    /// <summary>
    /// Moves every address a constant offset into a local variable (<c>buf + 24</c>, clang hoists them to the entry)
    /// next to each of its uses, so that none lives across a call: the stack maps record the local itself, and an
    /// address one past its end (a legal C pointer) would otherwise reach a stack map as a pointer into the stack
    /// that lies in no local variable, which stack transformation cannot relocate. llc's CodeGenPrepare did this
    /// sinking for addresses that feed loads and stores before it was turned off (see <see cref="Tools"/>).
    /// </summary>
    private static void SinkLocalAddresses(nint context, nint module)
    {
        var builder = LlvmC.LLVMCreateBuilderInContext(context);
        try
        {
            foreach (var function in LlvmC.Functions(module).Where(f => LlvmC.LLVMIsDeclaration(f) == 0))
            {
                var allocas = StaticAllocas(function).Static.ToHashSet();
                var addresses = new HashSet<nint>();
                var ordered = new List<nint>();
                foreach (var instruction in LlvmC.Blocks(function).SelectMany(LlvmC.Instructions))
                {
                    if (LlvmC.LLVMGetInstructionOpcode(instruction) == LlvmC.OpGetElementPtr
                        && (allocas.Contains(LlvmC.LLVMGetOperand(instruction, 0)) || addresses.Contains(LlvmC.LLVMGetOperand(instruction, 0)))
                        && Enumerable.Range(1, LlvmC.LLVMGetNumOperands(instruction) - 1).All(k => LlvmC.LLVMIsAConstantInt(LlvmC.LLVMGetOperand(instruction, (uint)k)) != 0))
                    {
                        addresses.Add(instruction);
                        ordered.Add(instruction);
                    }
                }
                // Uses before definitions: an address built on another is sunk first, so its copies then count as
                // uses of the inner one.
                for (var i = ordered.Count - 1; i >= 0; i--)
                {
                    SinkToUses(builder, ordered[i]);
                }
            }
        }
        finally
        {
            LlvmC.LLVMDisposeBuilder(builder);
        }
    }

    private static void SinkToUses(nint builder, nint address)
    {
        var uses = new List<nint>();
        for (var use = LlvmC.LLVMGetFirstUse(address); use != 0; use = LlvmC.LLVMGetNextUse(use))
        {
            uses.Add(LlvmC.LLVMGetUser(use));
        }
        foreach (var user in uses.Distinct())
        {
            if (LlvmC.LLVMIsAInstruction(user) == 0)
            {
                return;
            }
        }
        foreach (var user in uses.Distinct())
        {
            var isPhi = LlvmC.LLVMGetInstructionOpcode(user) == LlvmC.OpPhi;
            // A phi uses its incoming value at the end of the incoming block (one copy per block: a block that
            // reaches the phi by several edges must give it one value).
            var copies = new Dictionary<nint, nint>();
            for (var k = 0u; k < (uint)LlvmC.LLVMGetNumOperands(user); k++)
            {
                if (LlvmC.LLVMGetOperand(user, k) != address)
                {
                    continue;
                }
                var at = isPhi ? LlvmC.LLVMGetBasicBlockTerminator(LlvmC.LLVMGetIncomingBlock(user, k)) : user;
                if (!copies.TryGetValue(at, out var copy))
                {
                    LlvmC.LLVMPositionBuilderBefore(builder, at);
                    copy = LlvmC.LLVMInstructionClone(address);
                    LlvmC.LLVMInsertIntoBuilder(builder, copy);
                    copies[at] = copy;
                }
                LlvmC.LLVMSetOperand(user, k, copy);
            }
        }
        LlvmC.LLVMInstructionEraseFromParent(address);
    }

    /// <summary>Whether a pointer LSR made (<c>lsr.iv…</c>, <c>scevgep…</c>) in <paramref name="function"/> derives,
    /// through address arithmetic and phis, from a local variable or a pointer parameter.</summary>
    private static bool WalksStackWithNewPointer(nint function)
    {
        foreach (var instruction in LlvmC.Blocks(function).SelectMany(LlvmC.Instructions))
        {
            var name = LlvmC.Name(instruction);
            if (LlvmC.LLVMGetTypeKind(LlvmC.LLVMTypeOf(instruction)) != LlvmC.TypePointer
                || !(name.StartsWith("lsr.iv", StringComparison.Ordinal) || name.StartsWith("scevgep", StringComparison.Ordinal)))
            {
                continue;
            }
            var seen = new HashSet<nint>();
            var work = new Stack<nint>([instruction]);
            while (work.Count > 0)
            {
                var value = work.Pop();
                if (!seen.Add(value))
                {
                    continue;
                }
                if (LlvmC.LLVMIsAArgument(value) != 0)
                {
                    return true;
                }
                var opcode = LlvmC.LLVMIsAInstruction(value) != 0 ? LlvmC.LLVMGetInstructionOpcode(value) : 0;
                if (opcode == LlvmC.OpAlloca)
                {
                    return true;
                }
                if (opcode == LlvmC.OpGetElementPtr)
                {
                    work.Push(LlvmC.LLVMGetOperand(value, 0));
                }
                else if (opcode == LlvmC.OpPhi)
                {
                    for (var k = 0u; k < LlvmC.LLVMCountIncoming(value); k++)
                    {
                        work.Push(LlvmC.LLVMGetIncomingValue(value, k));
                    }
                }
            }
        }
        return false;
    }

    /// <summary>The most instructions a function without loops or calls may have and still get only its exit point.</summary>
    private const int ShortLeafInstructions = 256;

    /// <summary>
    /// Whether a function without loops (checked by the caller) is a short leaf: it calls nothing but intrinsics that
    /// stay inline (<c>llvm.mem*</c> become calls into the runtime), and has at most <see cref="ShortLeafInstructions"/>
    /// instructions. From its entry every path reaches its exit point within that many instructions, so a migration
    /// point at its entry would add a flag test to every call (a large share of a small helper's work) for no
    /// shorter wait; Popcorn's own pass likewise leaves small functions' entries without a point.
    /// </summary>
    private static bool IsShortLeaf(List<nint> instructions) =>
        instructions.Count <= ShortLeafInstructions
        && instructions.All(i => CalledName(i) is not { } name || name.StartsWith("llvm.", StringComparison.Ordinal) && !name.StartsWith("llvm.mem", StringComparison.Ordinal));

    /// <summary>
    /// The blocks that end in a loop's back-edge: the sources of the retreating edges of a depth-first walk from the
    /// entry (a branch to a block still on the walk's path). Every cycle of the control-flow graph has one, so a
    /// migration point before each of their branches runs in every iteration of every loop.
    /// </summary>
    private static List<nint> LoopLatches(nint function)
    {
        var latches = new List<nint>();
        var onPath = new HashSet<nint>();
        var visited = new HashSet<nint>();
        var stack = new Stack<(nint Block, uint Next)>();
        var entry = LlvmC.LLVMGetEntryBasicBlock(function);
        stack.Push((entry, 0));
        onPath.Add(entry);
        visited.Add(entry);
        while (stack.Count > 0)
        {
            var (block, next) = stack.Pop();
            var terminator = LlvmC.LLVMGetBasicBlockTerminator(block);
            var count = terminator == 0 ? 0 : LlvmC.LLVMGetNumSuccessors(terminator);
            if (next >= count)
            {
                onPath.Remove(block);
                continue;
            }
            stack.Push((block, next + 1));
            var successor = LlvmC.LLVMGetSuccessor(terminator, next);
            if (onPath.Contains(successor))
            {
                if (!latches.Contains(block))
                {
                    latches.Add(block);
                }
            }
            else if (visited.Add(successor))
            {
                onPath.Add(successor);
                stack.Push((successor, 0));
            }
        }
        return latches;
    }

    /// <summary>
    /// Weights the flag test's branch to the trap as all but never taken, so that the register allocator keeps the
    /// hot path free of the trap call: values live across a migration point are spilled and reloaded around the
    /// out-of-line call, not moved into callee-saved registers the whole function must save and restore.
    /// </summary>
    private static unsafe void MarkUnlikely(nint context, nint branch)
    {
        var i32 = LlvmC.LLVMInt32TypeInContext(context);
        const string Kind = "branch_weights";
        var operands = stackalloc nint[]
        {
            LlvmC.LLVMMDStringInContext2(context, Kind, (nuint)Kind.Length),
            LlvmC.LLVMValueAsMetadata(LlvmC.LLVMConstInt(i32, 1, 0)),
            LlvmC.LLVMValueAsMetadata(LlvmC.LLVMConstInt(i32, 1 << 20, 0)),
        };
        var node = LlvmC.LLVMMDNodeInContext2(context, operands, 3);
        LlvmC.LLVMSetMetadata(branch, LlvmC.LLVMGetMDKindIDInContext(context, "prof", 4), LlvmC.LLVMMetadataAsValue(context, node));
    }

    private static unsafe nint InsertCall(nint builder, nint before, nint location, (nint Type, nint Function) point, nint value = 0)
    {
        LlvmC.LLVMPositionBuilderBefore(builder, before);
        LlvmC.LLVMSetCurrentDebugLocation2(builder, location);
        return LlvmC.LLVMBuildCall2(builder, point.Type, point.Function, &value, value != 0 ? 1u : 0u, "");
    }

    private static nint Attribute(nint context, string name) =>
        LlvmC.LLVMCreateEnumAttribute(context, LlvmC.LLVMGetEnumAttributeKindForName(name, (nuint)name.Length), 0);

    private static bool HasAttribute(nint function, string name) =>
        LlvmC.LLVMGetEnumAttributeAtIndex(function, uint.MaxValue, LlvmC.LLVMGetEnumAttributeKindForName(name, (nuint)name.Length)) != 0;

    private static bool HasVaStart(nint function) =>
        LlvmC.Blocks(function).SelectMany(LlvmC.Instructions).Any(i => CalledName(i) is { } name && name.StartsWith("llvm.va_start", StringComparison.Ordinal));

    private static string? CalledName(nint instruction)
    {
        if (LlvmC.LLVMGetInstructionOpcode(instruction) != LlvmC.OpCall)
        {
            return null;
        }
        var callee = LlvmC.LLVMGetCalledValue(instruction);
        return LlvmC.LLVMIsAFunction(callee) != 0 ? LlvmC.Name(callee) : "";
    }

    private static bool IsStackMapped(nint instruction)
    {
        if (LlvmC.LLVMGetInstructionOpcode(instruction) != LlvmC.OpCall)
        {
            return false;
        }
        // A call that never returns leaves no frame to resume (and backends drop what follows it unevenly).
        var callee = LlvmC.LLVMGetCalledValue(instruction);
        var noReturn = NoReturnKind();
        if (LlvmC.LLVMGetCallSiteEnumAttribute(instruction, uint.MaxValue, noReturn) != 0
            || LlvmC.LLVMIsAFunction(callee) != 0 && LlvmC.LLVMGetEnumAttributeAtIndex(callee, uint.MaxValue, noReturn) != 0)
        {
            return false;
        }
        return LlvmC.LLVMIsAFunction(callee) == 0 || LlvmC.LLVMGetIntrinsicID(callee) == 0;
    }

    private static uint NoReturnKind() => LlvmC.LLVMGetEnumAttributeKindForName("noreturn", 8);

    private static unsafe void InsertStackMaps(nint context, nint module)
    {
        var i32 = LlvmC.LLVMInt32TypeInContext(context);
        var i64 = LlvmC.LLVMInt64TypeInContext(context);
        var stackMapType = LlvmC.FunctionType(LlvmC.LLVMVoidTypeInContext(context), [i64, i32], isVarArg: true);
        var stackMap = LlvmC.LLVMGetNamedFunction(module, "llvm.experimental.stackmap");
        if (stackMap == 0)
        {
            stackMap = LlvmC.LLVMAddFunction(module, "llvm.experimental.stackmap", stackMapType);
        }
        var layout = LlvmC.LLVMGetModuleDataLayout(module);
        var noCapture = Attribute(context, "nocapture");
        var builder = LlvmC.LLVMCreateBuilderInContext(context);
        try
        {
            foreach (var function in LlvmC.Functions(module).Where(f => LlvmC.LLVMIsDeclaration(f) == 0))
            {
                var liveness = new FunctionLiveness(function);
                if (liveness.Calls.Count == 0)
                {
                    continue;
                }
                var (allocas, dynamicAlloca) = StaticAllocas(function);
                var header = StackMapEncoding.HeaderMagic | (dynamicAlloca ? StackMapEncoding.FrameNotRewritable : 0)
                    | (HasVaStart(function) ? StackMapEncoding.HoldsVaList : 0)
                    | (ReturnParts(LlvmC.LLVMGetReturnType(LlvmC.LLVMGlobalGetValueType(function))) > 2 ? StackMapEncoding.ReturnsThroughHiddenSlot : 0);
                var id = 0UL;
                foreach (var (call, live) in liveness.Calls)
                {
                    id++;
                    var next = LlvmC.LLVMGetNextInstruction(call);
                    LlvmC.LLVMPositionBuilderBefore(builder, next);
                    LlvmC.LLVMSetCurrentDebugLocation2(builder, 0);
                    var operands = new List<nint> { LlvmC.LLVMConstInt(i64, id, 0), LlvmC.LLVMConstInt(i32, 0, 0) };
                    var flags = header;
                    var values = new List<(long Descriptor, nint Value)>();
                    foreach (var alloca in allocas)
                    {
                        values.Add((StackMapEncoding.Descriptor(LiveValueKind.Alloca, AllocationSize(layout, alloca)), alloca));
                    }
                    foreach (var value in live)
                    {
                        if (!Describe(builder, layout, value, values))
                        {
                            flags |= StackMapEncoding.UnsupportedValue;
                        }
                    }
                    operands.Add(LlvmC.LLVMConstInt(i64, (ulong)flags, 0));
                    foreach (var (descriptor, value) in values)
                    {
                        operands.Add(LlvmC.LLVMConstInt(i64, (ulong)descriptor, 0));
                        operands.Add(value);
                    }
                    var array = operands.ToArray();
                    nint record;
                    fixed (nint* arguments = array)
                    {
                        record = LlvmC.LLVMBuildCall2(builder, stackMapType, stackMap, arguments, (uint)array.Length, "");
                    }
                    // A stack map reads a local's address, it does not let it escape: the backend may still forward a
                    // local's stores to its loads in a block (as it does in a function without stack maps).
                    for (var k = 0; k < allocas.Count; k++)
                    {
                        LlvmC.LLVMAddCallSiteAttribute(record, (uint)(array.Length - (2 * (values.Count - k)) + 2), noCapture);
                    }
                }
            }
        }
        finally
        {
            LlvmC.LLVMDisposeBuilder(builder);
        }
    }

    /// <summary>Adds <paramref name="value"/> (split into scalars when it is an aggregate) to <paramref name="values"/>.</summary>
    private static bool Describe(nint builder, nint layout, nint value, List<(long, nint)> values)
    {
        var type = LlvmC.LLVMTypeOf(value);
        switch (LlvmC.LLVMGetTypeKind(type))
        {
            case LlvmC.TypeInteger when LlvmC.LLVMGetIntTypeWidth(type) > 64:
                {
                    // Wider integers live in several registers: record each 64-bit part (the parts are those registers).
                    var context = LlvmC.LLVMGetTypeContext(type);
                    var i64 = LlvmC.LLVMInt64TypeInContext(context);
                    for (var part = 0u; part * 64 < LlvmC.LLVMGetIntTypeWidth(type); part++)
                    {
                        var shifted = part == 0 ? value : LlvmC.LLVMBuildLShr(builder, value, LlvmC.LLVMConstInt(type, part * 64, 0), "");
                        values.Add((StackMapEncoding.Descriptor(LiveValueKind.Integer, 8), LlvmC.LLVMBuildTrunc(builder, shifted, i64, "")));
                    }
                    return true;
                }
            case LlvmC.TypeInteger:
                values.Add((StackMapEncoding.Descriptor(LiveValueKind.Integer, ((long)LlvmC.LLVMGetIntTypeWidth(type) + 7) / 8), value));
                return true;
            case LlvmC.TypeFp128:
                return Describe(builder, layout, LlvmC.LLVMBuildBitCast(builder, value, LlvmC.LLVMIntTypeInContext(LlvmC.LLVMGetTypeContext(type), 128), ""), values);
            case LlvmC.TypePointer:
                values.Add((StackMapEncoding.Descriptor(LiveValueKind.Pointer, 8), value));
                return true;
            case LlvmC.TypeFloat or LlvmC.TypeDouble:
                values.Add((StackMapEncoding.Descriptor(LiveValueKind.Float, (long)LlvmC.LLVMABISizeOfType(layout, type)), value));
                return true;
            case LlvmC.TypeStruct or LlvmC.TypeArray:
                var count = LlvmC.LLVMGetTypeKind(type) == LlvmC.TypeStruct ? LlvmC.LLVMCountStructElementTypes(type) : LlvmC.LLVMGetArrayLength(type);
                var supported = true;
                for (var i = 0u; i < count; i++)
                {
                    supported &= Describe(builder, layout, LlvmC.LLVMBuildExtractValue(builder, value, i, ""), values);
                }
                return supported;
            default:
                return false;
        }
    }

    /// <summary>How many registers a returned value takes on riscv64 (whose calls return at most two: a0/a1,
    /// fa0/fa1); 128-bit scalars take two.</summary>
    private static int ReturnParts(nint type) => LlvmC.LLVMGetTypeKind(type) switch
    {
        LlvmC.TypeVoid => 0,
        LlvmC.TypeStruct => Enumerable.Range(0, (int)LlvmC.LLVMCountStructElementTypes(type)).Sum(i => ReturnParts(LlvmC.LLVMStructGetTypeAtIndex(type, (uint)i))),
        LlvmC.TypeArray => (int)LlvmC.LLVMGetArrayLength(type) * ReturnParts(LlvmC.LLVMGetElementType(type)),
        LlvmC.TypeFp128 => 2,
        LlvmC.TypeInteger => LlvmC.LLVMGetIntTypeWidth(type) > 64 ? 2 : 1,
        _ => 1,
    };

    private static (List<nint> Static, bool Dynamic) StaticAllocas(nint function)
    {
        var entry = LlvmC.LLVMGetEntryBasicBlock(function);
        var list = new List<nint>();
        var dynamic = false;
        foreach (var block in LlvmC.Blocks(function))
        {
            foreach (var instruction in LlvmC.Instructions(block))
            {
                if (LlvmC.LLVMGetInstructionOpcode(instruction) != LlvmC.OpAlloca)
                {
                    continue;
                }
                if (block == entry && LlvmC.LLVMIsAConstantInt(LlvmC.LLVMGetOperand(instruction, 0)) != 0)
                {
                    list.Add(instruction);
                }
                else
                {
                    dynamic = true;
                }
            }
        }
        return (list, dynamic);
    }

    /// <summary>SSA liveness of one function: for every stack-mapped call, the values live just after it.</summary>
    private sealed class FunctionLiveness
    {
        private readonly Dictionary<nint, int> _index = [];
        private readonly List<nint> _values = [];

        public FunctionLiveness(nint function)
        {
            for (var p = 0u; p < LlvmC.LLVMCountParams(function); p++)
            {
                Index(LlvmC.LLVMGetParam(function, p));
            }
            var blocks = LlvmC.Blocks(function);
            var instructions = blocks.ToDictionary(b => b, LlvmC.Instructions);
            foreach (var instruction in instructions.Values.SelectMany(i => i))
            {
                if (LlvmC.LLVMGetTypeKind(LlvmC.LLVMTypeOf(instruction)) != LlvmC.TypeVoid && LlvmC.LLVMGetInstructionOpcode(instruction) != LlvmC.OpAlloca)
                {
                    Index(instruction);
                }
            }
            var n = _values.Count;
            var upward = blocks.ToDictionary(b => b, _ => new BitArray(n));
            var defined = blocks.ToDictionary(b => b, _ => new BitArray(n));
            var phiOut = blocks.ToDictionary(b => b, _ => new BitArray(n));
            foreach (var block in blocks)
            {
                foreach (var instruction in instructions[block])
                {
                    if (LlvmC.LLVMGetInstructionOpcode(instruction) == LlvmC.OpPhi)
                    {
                        for (var k = 0u; k < LlvmC.LLVMCountIncoming(instruction); k++)
                        {
                            if (_index.TryGetValue(LlvmC.LLVMGetIncomingValue(instruction, k), out var used))
                            {
                                phiOut[LlvmC.LLVMGetIncomingBlock(instruction, k)][used] = true;
                            }
                        }
                    }
                    else
                    {
                        foreach (var used in Operands(instruction))
                        {
                            if (!defined[block][used])
                            {
                                upward[block][used] = true;
                            }
                        }
                    }
                    if (_index.TryGetValue(instruction, out var def))
                    {
                        defined[block][def] = true;
                    }
                }
            }
            var successors = blocks.ToDictionary(b => b, b =>
            {
                var terminator = LlvmC.LLVMGetBasicBlockTerminator(b);
                var count = terminator == 0 ? 0 : LlvmC.LLVMGetNumSuccessors(terminator);
                return Enumerable.Range(0, (int)count).Select(i => LlvmC.LLVMGetSuccessor(terminator, (uint)i)).ToList();
            });
            var liveIn = blocks.ToDictionary(b => b, _ => new BitArray(n));
            var liveOut = blocks.ToDictionary(b => b, _ => new BitArray(n));
            for (var changed = true; changed;)
            {
                changed = false;
                for (var i = blocks.Count - 1; i >= 0; i--)
                {
                    var block = blocks[i];
                    var output = new BitArray(phiOut[block]);
                    foreach (var successor in successors[block])
                    {
                        output.Or(liveIn[successor]);
                    }
                    var input = new BitArray(output).And(new BitArray(defined[block]).Not()).Or(upward[block]);
                    if (!SameBits(input, liveIn[block]) || !SameBits(output, liveOut[block]))
                    {
                        liveIn[block] = input;
                        liveOut[block] = output;
                        changed = true;
                    }
                }
            }
            foreach (var block in blocks)
            {
                var live = new BitArray(liveOut[block]);
                var list = instructions[block];
                var found = new List<(nint, List<nint>)>();
                for (var i = list.Count - 1; i >= 0; i--)
                {
                    var instruction = list[i];
                    if (_index.TryGetValue(instruction, out var def))
                    {
                        live[def] = false;
                    }
                    if (IsStackMapped(instruction))
                    {
                        var values = new List<nint>();
                        for (var v = 0; v < n; v++)
                        {
                            if (live[v])
                            {
                                values.Add(_values[v]);
                            }
                        }
                        found.Add((instruction, values));
                    }
                    if (LlvmC.LLVMGetInstructionOpcode(instruction) != LlvmC.OpPhi)
                    {
                        foreach (var used in Operands(instruction))
                        {
                            live[used] = true;
                        }
                    }
                }
                found.Reverse();
                Calls.AddRange(found);
            }
        }

        /// <summary>Every stack-mapped call in block order with the values live after it.</summary>
        public List<(nint Call, List<nint> Live)> Calls { get; } = [];

        private void Index(nint value)
        {
            _index[value] = _values.Count;
            _values.Add(value);
        }

        private IEnumerable<int> Operands(nint instruction)
        {
            var count = LlvmC.LLVMGetNumOperands(instruction);
            for (var k = 0u; k < count; k++)
            {
                if (_index.TryGetValue(LlvmC.LLVMGetOperand(instruction, k), out var used))
                {
                    yield return used;
                }
            }
        }

        private static bool SameBits(BitArray a, BitArray b)
        {
            for (var i = 0; i < a.Length; i++)
            {
                if (a[i] != b[i])
                {
                    return false;
                }
            }
            return true;
        }
    }
}
