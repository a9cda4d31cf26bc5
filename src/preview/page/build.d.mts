/** Types of scripts/build-preview-page.mjs (for the test that checks the bundle is fresh). */
export declare const BUNDLE_MODULE: string;
export declare function pageBundleModule(): Promise<string>;
