#!/usr/bin/env node
// Syntax-check Apex sources with the real Apex grammar (@apexdevtools/apex-parser).
//
// Usage: node parse_apex.js <file.cls|file.trigger>...
// Prints "path:line:column message" for every lexer or parser error and exits 1
// if there was any; exits 2 on bad usage or unreadable files; 0 when all parse.
"use strict";

const fs = require("fs");
const path = require("path");
const {
  ApexErrorListener,
  ApexParserFactory,
} = require("@apexdevtools/apex-parser");
// package.json is not in the package's "exports" map, so read it from disk.
const parserVersion = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, "node_modules", "@apexdevtools", "apex-parser", "package.json"),
    "utf8"
  )
).version;

// Collects every error instead of stopping at the first, so one run reports
// everything wrong with a file.
class CollectingListener extends ApexErrorListener {
  constructor() {
    super();
    this.errors = [];
  }
  apexSyntaxError(line, column, msg) {
    // ANTLR's "expecting {...}" lists can run to hundreds of keywords.
    const short = msg.length > 240 ? `${msg.slice(0, 240)}...}` : msg;
    this.errors.push({ line, column, msg: short });
  }
}

function parseFile(file) {
  const source = fs.readFileSync(file, "utf8");
  const listener = new CollectingListener();
  // One listener wired to both lexer and parser: lexer errors (bad escapes,
  // stray characters) are only reported to lexer listeners.
  const { parser } = ApexParserFactory.createLexerAndParser(source, listener);
  const ext = path.extname(file).toLowerCase();
  if (ext === ".trigger") {
    parser.triggerUnit();
  } else if (ext === ".cls") {
    parser.compilationUnit();
  } else if (ext === ".apex") {
    parser.anonymousUnit();
  } else {
    throw new Error(`unsupported extension ${ext}`);
  }
  return listener.errors;
}

function main(argv) {
  const files = argv.slice(2);
  if (files.length === 0 || files[0] === "--version") {
    if (files[0] === "--version") {
      console.log(parserVersion);
      return 0;
    }
    console.error("usage: parse_apex.js <file.cls|file.trigger>...");
    return 2;
  }
  let failed = 0;
  for (const file of files) {
    let errors;
    try {
      errors = parseFile(file);
    } catch (err) {
      console.error(`${file}: cannot check: ${err.message}`);
      return 2;
    }
    if (errors.length) {
      failed += 1;
      for (const e of errors) {
        console.error(`${file}:${e.line}:${e.column} ${e.msg}`);
      }
    }
  }
  console.log(
    `apex-parser ${parserVersion}: ${files.length - failed}/${files.length} file(s) parsed cleanly`
  );
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv);
