// The stand-in lives under src/ because `arbiter demo` ships it; tests use the same server.
export * from '../../src/demo/stand-in/index.js'
