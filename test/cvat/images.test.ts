/**
 * src/cvat/images.ts: the cut of a CVAT document at its top-level `<image>` elements, which must read
 * exactly what src/xml.ts reads from the whole document, and fall back to it for anything unexpected.
 */
import { describe, expect, test } from 'vitest';
import { cvatDocument, imageRanges } from '../../src/cvat/images.js';
import { ConversionError } from '../../src/errors.js';
import { parseXml } from '../../src/xml.js';

const DOC = `<?xml version="1.0"?>
<!-- <image name="in a comment"> -->
<annotations>
  <version>1.1</version>
  <meta><task><name>a &gt; b</name><note><![CDATA[<image name="in CDATA">]]></note></task></meta>
  <image id="0" name="a>b.jpg" width="4" height="4"><box label="x" xtl="0" ytl="0" xbr="1" ybr="1"/></image>
  <image id="1" name='c.jpg' width="4" height="4"/>
  <images><image name="nested, not top-level"/></images>
  <image id="2" name="d.jpg" width="4" height="4">
    <tag label="t"/>
  </image>
</annotations>
`;

describe('cvatDocument', () => {
  test('reads the same images and skeleton as the whole-document parse', () => {
    const doc = cvatDocument(DOC, 'x.xml');
    const whole = parseXml(DOC, 'x.xml');
    expect([...doc.images()]).toEqual(whole.children.filter((c) => c.name === 'image'));
    expect(doc.imageCount).toBe(3);
    expect(doc.root.children.map((c) => c.name)).toEqual(['version', 'meta', 'images']);
    expect(imageRanges(DOC)!.length).toBe(3);
  });

  test('a DOCTYPE or mismatched tags: the whole-document parse says what is wrong', () => {
    expect(imageRanges('<!DOCTYPE a><annotations/>')).toBeUndefined();
    expect(imageRanges('<annotations><image name="a">\n</annotations>')).toBeUndefined();
    const e = (() => {
      try {
        cvatDocument('<annotations><image name="a">\n</annotations>\n', 'x.xml');
      } catch (err) {
        return err as ConversionError;
      }
      throw new Error('expected a failure');
    })();
    expect([e.code, e.message]).toEqual(['XML_PARSE', 'x.xml: line 2: expected </image>, got </annotations>']);
  });

  test('an error inside an image names its line in the whole file', () => {
    const text = '<annotations>\n  <version>1.1</version>\n  <image name="a">\n    <box label="x" label="y"/>\n  </image>\n</annotations>\n';
    const doc = cvatDocument(text, 'x.xml');
    let error: unknown;
    try {
      Array.from(doc.images());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConversionError);
    expect((error as ConversionError).message).toMatch(/^x\.xml: line 4: /);
    expect(() => parseXml(text, 'x.xml')).toThrow(/line 4: /);
  });
});
